package dev.steward.steps;

import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.PackageBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** A real allocator and a real agent on loopback, in a temporary directory; close() stops every task, process and cgroup. */
final class TestCluster implements AutoCloseable {
    final Path root;
    final Server server;
    final Agent agent;
    final StewardClient admin;
    final String cgroupParent = "steward-steps-" + Long.toHexString(System.nanoTime());
    final Recorder listener = new Recorder();
    final List<String> lines = listener.lines;

    TestCluster() throws IOException {
        root = Files.createTempDirectory("steward-steps");
        Server started = null;
        try {
            Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            started = Server.start(ServerConfig.of(root.resolve("server")));
            agent = new Agent(AgentConfig.load(null, Map.of("server", started.url(), "join-token", started.joinToken(), "data", root.resolve("agent").toString(),
                    "name", "a1", "ports", "31000-31999", "cgroup-parent", cgroupParent, "heartbeat-interval", "500ms")), Clock.systemUTC()).start();
        } catch (IOException | RuntimeException e) { // close() is never called on a cluster that failed to start: nothing may be left behind
            if (started != null) {
                started.close();
            }
            try (var all = Files.walk(root)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            throw e;
        }
        server = started;
        admin = StewardClient.builder(server.url()).token(server.adminToken()).retryBudget(Duration.ofSeconds(10)).build();
    }

    /** The example app as {@code version}, uploaded; returns its digest. */
    String webapp(String version, Map<String, String> env) throws IOException {
        Path app = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && app == null; p = p.getParent()) {
            if (Files.exists(p.resolve("examples/webapp/app.py"))) {
                app = p.resolve("examples/webapp/app.py");
            }
        }
        Path tree = Files.createDirectories(root.resolve("src-" + version));
        Files.copy(app, tree.resolve("app.py"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(tree.resolve("VERSION"), version + "\n");
        Path out = root.resolve(version + ".tar.zst");
        PackageBuilder.from(tree).manifest(new PackageManifest(null, "webapp", version, "exec python3 app.py", env.isEmpty() ? null : env, List.of("http"),
                new HealthCheck("http", "/healthz", "http", null, "300ms", "250ms", "5s", 2), null, null)).writeTo(out);
        String d = PackageClient.digestOf(out);
        admin.packages().push(out, d);
        return d;
    }

    @Override
    public void close() throws IOException {
        server.close();
        agent.stopTasks(Duration.ofSeconds(20));
        agent.close();
        for (Path cg : List.of(Path.of("/sys/fs/cgroup/memory", cgroupParent), Path.of("/sys/fs/cgroup/cpu", cgroupParent),
                Path.of("/sys/fs/cgroup/pids", cgroupParent), Path.of("/sys/fs/cgroup", cgroupParent))) {
            if (Files.isDirectory(cg)) {
                try (var all = Files.walk(cg)) {
                    all.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        try (var all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
