package dev.steward.cli;

import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.datadir.DataDirLock;

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
    /** The host ports the agent lends to tasks. */
    final String ports;

    private final String cgroupParent;
    private final Path registered;
    private final DataDirLock held;

    private Embedded(Server server, Agent agent, String ports, String cgroupParent, Path registered, DataDirLock held) {
        this.server = server;
        this.agent = agent;
        this.ports = ports;
        this.cgroupParent = cgroupParent;
        this.registered = registered;
        this.held = held;
    }

    /**
     * Starts both; the agent lends {@code ports} (null: a port block no other local dev or demo
     * holds, see {@link DevRegistry}), and the process is registered there so other commands find it.
     */
    static Embedded start(Path dir, int port, String ports) throws IOException {
        Logs.quiet(java.util.logging.Level.WARNING, "org.eclipse.jetty"); // its version and connector lines say nothing the banner does not
        // the whole directory, not only its allocator's and agent's: a second dev on it is refused as "in use by steward dev (pid N)"
        DataDirLock held = DataDirLock.acquire(dir, "steward dev");
        try {
            return start(dir, port, ports, held);
        } catch (IOException | RuntimeException e) {
            held.close();
            throw e;
        }
    }

    private static Embedded start(Path dir, int port, String ports, DataDirLock held) throws IOException {
        DevRegistry registry = DevRegistry.user();
        String lent = ports != null ? ports : registry.freeBlock();
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
            cfg.put("ports", lent);
            Agent agent = new Agent(AgentConfig.load(null, cfg), Clock.systemUTC()).start();
            return new Embedded(server, agent, lent, cgroupParent, registry.register(server.url(), dir, lent), held);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    @Override
    public void close() {
        agent.close();
        server.close();
        unregister();
        held.close();
    }

    private void unregister() {
        try {
            java.nio.file.Files.deleteIfExists(registered);
        } catch (IOException e) {
            System.err.println("could not remove " + registered + ": " + e.getMessage());
        }
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
        unregister();
        held.close();
    }

}
