package dev.steward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.StewardClient;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control plane under a large cluster, in one process over real HTTP on loopback: simulated
 * agents speak the agent's protocol (join with the join token, a heartbeat a second with their
 * own token, and a parked blocking query for their work), while services of 3 instances are
 * placed on them (their tasks never start: the reconciler keeps watching them). For each agent
 * count it prints heartbeat latency p50/p99, an API read's p99 (GET /v1/status) and a command's
 * p99 (PUT /v1/roles/...) under that load, the owner thread's busy fraction and the heap.
 * Usage: ControlPlaneBench [AGENTS,...] (default 1000,2500,5000,10000); -Dservices=1000 -Dseconds=20 as JVM options
 * (STEWARD_BENCH_OPTS is not read: edit bench/run, or run the class with java directly). The
 * simulated agents run in a child process ({@link SimAgents}) on the same machine, so they share
 * its cores with the allocator: the figures include the client's own scheduling delays.
 */
public final class ControlPlaneBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GRACE = Duration.ofSeconds(10);

    private ControlPlaneBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] counts = Arrays.stream((args.length > 0 ? args[0] : "1000,2500,5000,10000").split(",")).mapToInt(Integer::parseInt).toArray();
        int services = Integer.getInteger("services", 1000);
        int seconds = Integer.getInteger("seconds", 20);
        System.out.printf("ControlPlaneBench: %d cores, heap max %d MiB, %d services of 3 instances, %d s of load per step%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, services, seconds);
        Path root = Files.createTempDirectory("steward-control-bench");
        // every simulated agent connects from this machine's address: no per-address connection limit here
        Server server = Server.start(ServerConfig.of(root.resolve("server")).withHeartbeatGrace(GRACE)
                .withHttp(dev.steward.allocator.http.HttpLimits.DEFAULTS.withConnectionsPerAddress(0))
                .withMaxServicesPerRole(Math.max(services, 1)));
        HttpClient http = SimAgents.client();
        AtomicLong lost = new AtomicLong();
        // the simulated agents live in a process of their own: each parked query holds a socket on
        // both sides, and one process's open-file limit could not hold 10,000 agents' on both
        Process sims = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g", "-Dsim.trace=" + Boolean.getBoolean("sim.trace"),
                "-cp", System.getProperty("java.class.path"), SimAgents.class.getName(), server.url(), server.joinToken())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        java.io.BufferedReader simOut = new java.io.BufferedReader(new java.io.InputStreamReader(sims.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        java.io.PrintWriter simIn = new java.io.PrintWriter(sims.getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
        System.out.printf("%-8s %-14s %-14s %-12s %-12s %-10s %-10s %-10s%n", "AGENTS", "HEARTBEAT p50", "HEARTBEAT p99", "READ p99", "COMMAND p99",
                "OWNER BUSY", "HEAP MiB", "ERRORS");
        try {
            boolean deployed = false;
            for (int n : counts) {
                long j0 = System.nanoTime();
                String joined = ask(simIn, simOut, "join " + n);
                System.out.printf("  (%s agents joined in %.1f s)%n", joined, (System.nanoTime() - j0) / 1e9);
                if (!deployed) {
                    deploy(server, services);
                    deployed = true;
                }
                // settle for one heartbeat grace: the joins' own burst (first beats through the command path, first
                // parked queries, the first grace checks of every new agent) is over, and the window sees the steady load
                Thread.sleep(GRACE.toMillis());
                ask(simIn, simOut, "reset");
                List<Long> reads = new ArrayList<>();
                List<Long> commands = new ArrayList<>();
                long busy0 = server.engine().busyNanos();
                long cpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
                int k = 0;
                while (System.nanoTime() < end) {
                    reads.add(timed(http, server, "GET", "/v1/status", null, server.adminToken()));
                    commands.add(timed(http, server, "PUT", "/v1/roles/bench-" + (k++ % 50), "{\"weight\":" + (1 + k % 3) + "}", server.adminToken()));
                    Thread.sleep(50);
                }
                long wall = System.nanoTime() - t0;
                double busy = (server.engine().busyNanos() - busy0) / (double) wall;
                double cpu = (processCpuNanos() - cpu0) / (double) wall;
                // the beats are taken at once, before the full collection below (a pause of the bench's own making) can delay any
                String[] hb = ask(simIn, simOut, "report").split(" "); // p50 p99 errors count skipped, nanoseconds
                JsonNode status = JSON.readTree(body(http, server, "/v1/status", server.adminToken()));
                lost.set(status.path("agentsLost").asLong());
                System.gc();
                long heap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
                System.out.printf("%-8d %-14s %-14s %-12s %-12s %-10s %-10d %-10s%n", n, ms(Long.parseLong(hb[0])), ms(Long.parseLong(hb[1])),
                        ms(pct(sorted(reads), 99)), ms(pct(sorted(commands), 99)), String.format("%.0f%%", busy * 100), heap,
                        hb[2] + " hb, " + lost.get() + " lost (" + hb[3] + " beats, " + hb[4] + " skipped)");
                System.out.printf("         allocator process CPU %.0f%% of one core (%d cores); %.1f us per heartbeat answered, everything else included%n",
                        cpu * 100, Runtime.getRuntime().availableProcessors(), cpu * wall / 1000.0 / Math.max(1, Long.parseLong(hb[3])));
            }
        } finally {
            simIn.println("quit");
            if (!sims.waitFor(10, TimeUnit.SECONDS)) {
                sims.destroyForcibly();
            }
            http.stop();
            server.close();
            deleteTree(root);
        }
        System.exit(0);
    }

    /** A package, and {@code n} services of 3 instances of it, placed on the simulated agents. */
    private static void deploy(Server server, int n) throws Exception {
        Path dir = Files.createTempDirectory("steward-control-bench-app");
        Files.writeString(dir.resolve("run.sh"), "sleep 3600\n");
        BuiltPackage p = PackageBuilder.from(dir).include("run.sh").manifest(new PackageManifest(null, "svc", "1", "sh run.sh", null, List.of("http"),
                (HealthCheck) null, null, null)).writeTo(dir.resolve("svc.tar.zst"));
        StewardClient c = StewardClient.builder(server.url()).token(server.adminToken()).build();
        c.packages().push(dir.resolve("svc.tar.zst"), p.digest());
        for (int i = 0; i < n; i++) {
            c.call("PUT", "/v1/services/svc-" + i + "/bench", Map.of("packageDigest", p.digest(), "instances", 3, "cpus", "0.1", "memory", "64m"),
                    JsonNode.class, true);
        }
        deleteTree(dir);
    }

    /** CPU time this process (the allocator, and the bench's own light reads and commands) has used. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Sends a line to the simulated agents' process and returns its answer. */
    private static String ask(java.io.PrintWriter in, java.io.BufferedReader out, String line) throws java.io.IOException {
        in.println(line);
        String answer = out.readLine();
        if (answer == null) {
            throw new IllegalStateException("the simulated agents' process ended");
        }
        return answer;
    }

    static Request request(HttpClient http, String method, String url, String body, String token) {
        Request r = http.newRequest(url).method(method).timeout(60, TimeUnit.SECONDS).headers(h -> h.put("Authorization", "Bearer " + token));
        return body == null ? r : r.body(new StringRequestContent("application/json", body));
    }

    private static long timed(HttpClient http, Server server, String method, String path, String body, String token) throws Exception {
        long t = System.nanoTime();
        ContentResponse r = request(http, method, server.url() + path, body, token).send();
        if (r.getStatus() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + r.getStatus());
        }
        return System.nanoTime() - t;
    }

    private static String body(HttpClient http, Server server, String path, String token) throws Exception {
        return request(http, "GET", server.url() + path, null, token).send().getContentAsString();
    }

    private static void deleteTree(Path dir) {
        try (var all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }

    private static long[] sorted(List<Long> xs) {
        return xs.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static long pct(long[] sorted, int p) {
        return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }

    private static String ms(long nanos) {
        return nanos < 0 ? "-" : String.format("%.1f ms", nanos / 1e6);
    }
}
