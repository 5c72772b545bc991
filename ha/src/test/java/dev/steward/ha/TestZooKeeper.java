package dev.steward.ha;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.QuorumConfigBuilder;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * ZooKeeper servers for tests (one, or an ensemble), each ZooKeeper's own embedded server built
 * with {@link ExitHandler#LOG_ONLY}. Curator's {@code TestingCluster} and {@code TestingServer}
 * build theirs with the default, {@code EXIT}, and every server they start sets ZooKeeper's exit
 * procedure back to {@code System.exit}: a server whose run ended in an error (a port it could not
 * bind) then ended the whole test JVM, "The forked VM terminated without properly saying goodbye"
 * with exit code 2 or 14 in CI runs, and no test's name or reason. Here such an exit is only
 * logged, and the test that depended on that server fails with its own reason. Curator's
 * {@link QuorumConfigBuilder} still writes each server's configuration and {@code myid}.
 */
public final class TestZooKeeper implements AutoCloseable {
    private final List<InstanceSpec> specs;
    private Duration startTimeout = Duration.ofMinutes(1);
    private final QuorumConfigBuilder config;
    private final Map<InstanceSpec, ZooKeeperServerEmbedded> running = new LinkedHashMap<>();

    TestZooKeeper(List<InstanceSpec> specs) {
        this.specs = List.copyOf(specs);
        this.config = new QuorumConfigBuilder(this.specs);
    }

    /** How long a server's start may take before it fails (one minute unless a test says otherwise). */
    synchronized TestZooKeeper withStartTimeout(Duration timeout) {
        this.startTimeout = timeout;
        return this;
    }

    /** Starts every server that is not running (each waits for its own start, not for a quorum). */
    public synchronized void start() throws Exception {
        for (InstanceSpec s : specs) {
            if (!running.containsKey(s)) {
                startServer(s);
            }
        }
    }

    private void startServer(InstanceSpec spec) throws Exception {
        Properties p = config.buildConfigProperties(specs.indexOf(spec));
        p.put("admin.enableServer", "false");
        p.put("4lw.commands.whitelist", "*");
        ZooKeeperServerEmbedded server = ZooKeeperServerEmbedded.builder()
                .configuration(p)
                .baseDir(Path.of(p.getProperty("dataDir")).getParent())
                .exitHandler(ExitHandler.LOG_ONLY)
                .build();
        running.put(spec, server);
        server.start(startTimeout.toMillis());
    }

    /** The servers' addresses, as clients are given them. */
    public String getConnectString() {
        return specs.stream().map(InstanceSpec::getConnectString).collect(Collectors.joining(","));
    }

    /** Every server of the ensemble, running or not. */
    public Collection<InstanceSpec> getInstances() {
        return specs;
    }

    /** Stops one server as a crash would end it; its data stays for {@link #restartServer}. */
    public synchronized boolean killServer(InstanceSpec spec) {
        ZooKeeperServerEmbedded s = running.remove(spec);
        if (s == null) {
            return false;
        }
        s.close();
        return true;
    }

    /** Starts again a server {@link #killServer} stopped, on its ports and with its data. */
    public synchronized boolean restartServer(InstanceSpec spec) throws Exception {
        if (running.containsKey(spec) || !specs.contains(spec)) {
            return false;
        }
        startServer(spec);
        return true;
    }

    /** Stops every server and removes their data. */
    @Override
    public synchronized void close() throws IOException {
        for (ZooKeeperServerEmbedded s : new ArrayList<>(running.values())) {
            s.close();
        }
        running.clear();
        config.close();
        for (InstanceSpec s : specs) {
            TestEnsembles.delete(s.getDataDirectory().toPath().getParent());
        }
    }
}
