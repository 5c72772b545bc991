package dev.steward.cli;

import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/** The embedded default: an allocator and one local agent (tasks run as the current user) in this process. */
final class Embedded implements AutoCloseable {
    final Server server;
    final Agent agent;

    private final String cgroupParent;

    private Embedded(Server server, Agent agent, String cgroupParent) {
        this.server = server;
        this.agent = agent;
        this.cgroupParent = cgroupParent;
    }

    static Embedded start(Path dir, int port) throws IOException {
        Server server = Server.start(ServerConfig.of(dir.resolve("server")).withBind(new InetSocketAddress("127.0.0.1", port)));
        try {
            Map<String, String> cfg = new LinkedHashMap<>();
            cfg.put("server", server.url());
            cfg.put("join-token", server.joinToken());
            cfg.put("data", dir.resolve("agent").toString());
            cfg.put("name", "dev");
            cfg.put("bind", "127.0.0.1:0");
            cfg.put("user", ""); // a laptop: tasks run as you
            String cgroupParent = "steward-dev-" + ProcessHandle.current().pid(); // its own, removed when it stops
            cfg.put("cgroup-parent", cgroupParent);
            return new Embedded(server, new Agent(AgentConfig.load(null, cfg), Clock.systemUTC()).start(), cgroupParent);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    @Override
    public void close() {
        agent.close();
        server.close();
    }

    /**
     * Stops the allocator first (so no service replaces what stops), then every task, then the
     * agent, and removes its cgroup parent: nothing this process started outlives it.
     */
    void closeWithTasks() {
        server.close();
        agent.stopTasks(java.time.Duration.ofSeconds(20));
        agent.close();
        dev.steward.agent.Cgroups.removeParentIfEmpty(cgroupParent);
    }
}
