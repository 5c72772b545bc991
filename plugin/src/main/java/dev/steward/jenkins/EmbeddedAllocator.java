package dev.steward.jenkins;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import hudson.init.InitMilestone;
import hudson.init.Initializer;
import hudson.init.Terminator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.logging.Logger;
import jenkins.model.Jenkins;

/** The bundled allocator inside the controller, when configured {@code embedded}: data in JENKINS_HOME/steward. */
public final class EmbeddedAllocator {
    private static final Logger LOG = Logger.getLogger(EmbeddedAllocator.class.getName());
    private static Server server;

    private EmbeddedAllocator() {
    }

    @Initializer(after = InitMilestone.JOB_LOADED)
    public static synchronized void startIfConfigured() throws IOException {
        if (server == null && StewardConfiguration.get().isEmbedded()) {
            server = Server.start(ServerConfig.of(Jenkins.get().getRootDir().toPath().resolve("steward"))
                    .withBind(new InetSocketAddress("127.0.0.1", StewardConfiguration.get().getEmbeddedPort())));
            LOG.info("embedded Steward allocator on " + server.url());
        }
    }

    @Terminator
    public static synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    static synchronized String url() throws IOException {
        startIfConfigured();
        return server.url();
    }

    static synchronized String adminToken() throws IOException {
        startIfConfigured();
        return server.adminToken();
    }
}
