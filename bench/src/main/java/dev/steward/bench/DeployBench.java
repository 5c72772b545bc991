package dev.steward.bench;

import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.StewardClient;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The overhead of a rolling update: a 20-instance rolling update of the example app on a local
 * agent (maxSurge 25%, maxUnavailable 0: 4 batches of 5), its wall time divided by
 * 4 × the app's own start-to-healthy time for 5 copies started at once by hand (spawn to the first
 * 200 from /healthz on each). A ratio of 1 means the rollout adds nothing to the app's own
 * start; minHealthyTime is 0 and the health check runs every 100 ms, so detection costs up to 0.1 s
 * per batch. The agent runs without CPU quotas (cpu-quota off) so that the instances start as the
 * hand-started copies do: 20 instances need 20 × their cpus lent by one 2-core machine.
 * Usage: {@code bench/run DeployBench [INSTANCES]}.
 */
public final class DeployBench {
    private DeployBench() {
    }

    /** The agent's line per task status (kept referenced, so its level holds): hundreds of starts would drown the figures. */
    private static final java.util.logging.Logger TASK_EVENTS = java.util.logging.Logger.getLogger("dev.steward.agent.TaskEvents");

    public static void main(String[] args) throws Exception {
        TASK_EVENTS.setLevel(java.util.logging.Level.WARNING);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int batch = (int) Math.ceil(n * 0.25);
        Path app = locateApp();
        Path root = Files.createTempDirectory("steward-deploybench");
        Server server = Server.start(ServerConfig.of(root.resolve("server")));
        Agent agent = new Agent(AgentConfig.load(null, Map.of("server", server.url(), "join-token", server.joinToken(), "data",
                root.resolve("agent").toString(), "name", "bench", "user", "", "ports", "30000-31999",
                "cpu-quota", "off")), Clock.systemUTC()).start();
        try {
            StewardClient c = StewardClient.builder(server.url()).token(server.adminToken()).build();
            String v1 = pack(c, root, app, "v1");
            String v2 = pack(c, root, app, "v2");
            List<Double> bare = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                bare.add(bareStart(app, batch, 32000 + i * batch));
            }
            Collections.sort(bare);
            double appStart = bare.get(bare.size() / 2);
            DeploymentInfo first = run(c, v1, n);
            if (first.state() != DeploymentState.SUCCEEDED) {
                throw new IllegalStateException("the first deploy did not succeed: " + first.reason());
            }
            long t0 = System.nanoTime();
            DeploymentInfo second = run(c, v2, n);
            double wall = (System.nanoTime() - t0) / 1e9;
            if (second.state() != DeploymentState.SUCCEEDED) {
                throw new IllegalStateException("the rolling update did not succeed: " + second.reason());
            }
            int batches = (int) Math.ceil((double) n / batch);
            System.out.printf(Locale.ROOT, "app start-to-healthy, %d copies at once by hand (median of 5): %.3f s%n", batch, appStart);
            System.out.printf(Locale.ROOT, "rolling update of %d instances, %d batches of %d (maxSurge 25%%, maxUnavailable 0): %.2f s%n", n, batches, batch, wall);
            System.out.printf(Locale.ROOT, "overhead ratio: %.2f s / (%d x %.3f s) = %.2f  (1.00 would be no overhead)%n", wall, batches, appStart,
                    wall / (batches * appStart));
            breakdown(c, second.revision());
        } finally {
            server.close();
            agent.stopTasks(Duration.ofSeconds(20));
            agent.close();
            try (var all = Files.walk(root)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Where an instance's time goes, averaged over the new revision's instances: asked → task running → healthy → available. */
    private static void breakdown(StewardClient c, int revision) throws IOException {
        double placeToRun = 0;
        double runToHealthy = 0;
        double healthyToAvailable = 0;
        int n = 0;
        for (var i : c.deployments().instances("webapp", "bench")) {
            if (i.revision() != revision || i.taskId() == null || i.availableAt() == null) {
                continue;
            }
            var task = c.get("/v1/tasks/" + i.taskId(), new com.fasterxml.jackson.core.type.TypeReference<dev.steward.api.TaskInfo>() { });
            if (task.startedAt() == null || i.healthySince() == null) {
                continue;
            }
            placeToRun += Duration.between(i.createdAt(), task.startedAt()).toMillis();
            runToHealthy += Duration.between(task.startedAt(), i.healthySince()).toMillis();
            healthyToAvailable += Duration.between(i.healthySince(), i.availableAt()).toMillis();
            n++;
        }
        if (n > 0) {
            System.out.printf(Locale.ROOT, "per instance (mean of %d): asked -> task running %.0f ms, running -> health check passed %.0f ms, "
                    + "passed -> available %.0f ms%n", n, placeToRun / n, runToHealthy / n, healthyToAvailable / n);
        }
    }

    private static DeploymentInfo run(StewardClient c, String digest, int n) throws IOException {
        DeployRequest req = new DeployRequest(digest, null, null, n, "0.05", "48m", null, null, null, null, null, null, null, "rolling", "25%", "0", null, null,
                null, "0s", "2m", "5m", null, null, null, null, "bench", null);
        String id = c.deployments().deploy("webapp", "bench", req).deployment().id();
        return c.deployments().follow(id, Duration.ofMinutes(10), e -> { }, d -> { });
    }

    /** Starts {@code count} copies of the app by hand and returns seconds until every one answers /healthz. */
    private static double bareStart(Path app, int count, int basePort) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        List<Process> ps = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < count; i++) {
                ProcessBuilder pb = new ProcessBuilder("python3", app.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().put("PORT_HTTP", Integer.toString(basePort + i));
                ps.add(pb.start());
            }
            for (int i = 0; i < count; i++) {
                URI u = URI.create("http://127.0.0.1:" + (basePort + i) + "/healthz");
                while (true) {
                    try {
                        if (http.send(HttpRequest.newBuilder(u).timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode() == 200) {
                            break;
                        }
                    } catch (IOException e) {
                        Thread.sleep(5); // not listening yet
                    }
                }
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            for (Process p : ps) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static String pack(StewardClient c, Path root, Path app, String version) throws IOException {
        Path tree = Files.createDirectories(root.resolve("src-" + version));
        Files.copy(app, tree.resolve("app.py"));
        Files.writeString(tree.resolve("VERSION"), version + "\n");
        BuiltPackage p = PackageBuilder.from(tree).manifest(new PackageManifest(null, "webapp", version, "exec python3 app.py", null, List.of("http"),
                new HealthCheck("http", "/healthz", "http", null, "100ms", "90ms", "10s", 3), null, null)).writeTo(root.resolve(version + ".tar.zst"));
        c.packages().push(root.resolve(version + ".tar.zst"), p.digest());
        return p.digest();
    }

    private static Path locateApp() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("examples/webapp/app.py"))) {
                return p.resolve("examples/webapp/app.py");
            }
        }
        throw new IllegalStateException("run from the repository: examples/webapp/app.py not found");
    }
}
