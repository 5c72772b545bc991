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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control plane under a large cluster, in one process over real HTTP on loopback: simulated
 * agents speak the agent's protocol (join with the join token, a heartbeat a second with their
 * own token, and a parked blocking query for their work), while services of 3 instances are
 * placed on them (their tasks never start: the reconciler keeps watching them). For each agent
 * count it prints heartbeat latency p50/p99, an API read's p99 (GET /v1/status) and a command's
 * p99 (PUT /v1/roles/...) under that load, the owner thread's busy fraction and the heap.
 * Usage: ControlPlaneBench [AGENTS,...] (default 1000,2500,5000,10000); -Dservices=1000 -Dseconds=20 as JVM options
 * (STEWARD_BENCH_OPTS is not read: edit bench/run, or run the class with java directly). Client and
 * server share this process: each parked query holds a socket on both sides, so the open-file
 * limit (ulimit -n) bounds the agent count at about half of it.
 */
public final class ControlPlaneBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ControlPlaneBench() {
    }

    /** A simulated agent: its id and token. */
    private record Sim(String id, String token) {
    }

    public static void main(String[] args) throws Exception {
        int[] counts = Arrays.stream((args.length > 0 ? args[0] : "1000,2500,5000,10000").split(",")).mapToInt(Integer::parseInt).toArray();
        int services = Integer.getInteger("services", 1000);
        int seconds = Integer.getInteger("seconds", 20);
        System.out.printf("ControlPlaneBench: %d cores, heap max %d MiB, %d services of 3 instances, %d s of load per step%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, services, seconds);
        Path root = Files.createTempDirectory("steward-control-bench");
        Server server = Server.start(ServerConfig.of(root.resolve("server")).withHeartbeatGrace(Duration.ofSeconds(10)));
        HttpClient http = new HttpClient(); // asynchronous: a parked query costs a connection, not a thread
        http.setMaxConnectionsPerDestination(30_000);
        http.setMaxRequestsQueuedPerDestination(100_000);
        http.setConnectTimeout(10_000);
        http.start();
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(4);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Sim> agents = new ArrayList<>();
        AtomicLong hbErrors = new AtomicLong();
        AtomicLong lost = new AtomicLong();
        ConcurrentLinkedQueue<Long> hbLatency = new ConcurrentLinkedQueue<>();
        System.out.printf("%-8s %-14s %-14s %-12s %-12s %-10s %-10s %-10s%n", "AGENTS", "HEARTBEAT p50", "HEARTBEAT p99", "READ p99", "COMMAND p99",
                "OWNER BUSY", "HEAP MiB", "ERRORS");
        try {
            boolean deployed = false;
            for (int n : counts) {
                join(http, server, agents, n, timer, running, hbLatency, hbErrors);
                if (!deployed) {
                    deploy(server, services);
                    deployed = true;
                }
                Thread.sleep(3000); // settle: every agent has heartbeated and parked its query
                hbLatency.clear();
                hbErrors.set(0);
                List<Long> reads = new ArrayList<>();
                List<Long> commands = new ArrayList<>();
                long busy0 = server.engine().busyNanos();
                long t0 = System.nanoTime();
                long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
                int k = 0;
                while (System.nanoTime() < end) {
                    reads.add(timed(http, server, "GET", "/v1/status", null, server.adminToken()));
                    commands.add(timed(http, server, "PUT", "/v1/roles/bench-" + (k++ % 50), "{\"weight\":" + (1 + k % 3) + "}", server.adminToken()));
                    Thread.sleep(50);
                }
                double busy = (server.engine().busyNanos() - busy0) / (double) (System.nanoTime() - t0);
                JsonNode status = JSON.readTree(body(http, server, "/v1/status", server.adminToken()));
                lost.set(status.path("agentsLost").asLong());
                System.gc();
                long heap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
                long[] hb = hbLatency.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf("%-8d %-14s %-14s %-12s %-12s %-10s %-10d %-10s%n", n, ms(pct(hb, 50)), ms(pct(hb, 99)),
                        ms(pct(sorted(reads), 99)), ms(pct(sorted(commands), 99)), String.format("%.0f%%", busy * 100), heap,
                        hbErrors.get() + " hb, " + lost.get() + " lost");
            }
        } finally {
            running.set(false);
            timer.shutdownNow();
            http.stop();
            server.close();
            deleteTree(root);
        }
        System.exit(0);
    }

    /** Joins agents until there are {@code n}; each heartbeats every second and parks a blocking query for its work. */
    private static void join(HttpClient http, Server server, List<Sim> agents, int n, ScheduledExecutorService timer, AtomicBoolean running,
                             ConcurrentLinkedQueue<Long> hbLatency, AtomicLong hbErrors) throws Exception {
        List<Sim> joined = new ArrayList<>();
        for (int i = agents.size(); i < n; i++) {
            String body = "{\"name\":\"sim-" + i + "\",\"cpus\":\"16\",\"memory\":\"64g\",\"ports\":\"20000-20999\",\"attributes\":{\"zone\":\"z" + (i % 3)
                    + "\"}}";
            ContentResponse r = request(http, "POST", server.url() + "/v1/agents", body, server.joinToken()).send();
            if (r.getStatus() != 201 && r.getStatus() != 200) {
                throw new IllegalStateException("join failed: " + r.getStatus() + " " + r.getContentAsString());
            }
            JsonNode j = JSON.readTree(r.getContentAsString());
            joined.add(new Sim(j.path("agent").path("id").asText(), j.path("token").asText()));
        }
        for (Sim a : joined) {
            agents.add(a);
            long offset = (long) (Math.random() * 1000);
            timer.scheduleAtFixedRate(() -> {
                long t = System.nanoTime();
                request(http, "PUT", server.url() + "/v1/agents/" + a.id() + "/heartbeat", "{}", a.token()).send(result -> {
                    if (result.isFailed() || result.getResponse().getStatus() != 200) {
                        hbErrors.incrementAndGet();
                    } else {
                        hbLatency.add(System.nanoTime() - t);
                    }
                });
            }, offset, 1000, TimeUnit.MILLISECONDS);
            park(http, server, a, 0, running);
        }
    }

    /** The agent's blocking query for its tasks, re-issued whenever it answers. */
    private static void park(HttpClient http, Server server, Sim a, long index, AtomicBoolean running) {
        if (!running.get()) {
            return;
        }
        String url = server.url() + "/v1/agents/" + a.id() + "/tasks" + (index > 0 ? "?index=" + index + "&wait=30s" : "");
        request(http, "GET", url, null, a.token()).timeout(60, TimeUnit.SECONDS).send(result -> {
            String h = result.getResponse() == null ? null : result.getResponse().getHeaders().get("X-Steward-Index");
            long next = h == null ? index : Long.parseLong(h);
            if (result.isFailed()) {
                timerPark(http, server, a, index, running); // an error: try again in a second, as the agent does
            } else {
                park(http, server, a, Math.max(next, 1), running);
            }
        });
    }

    private static final ScheduledExecutorService RETRY = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-retry");
        t.setDaemon(true);
        return t;
    });

    private static void timerPark(HttpClient http, Server server, Sim a, long index, AtomicBoolean running) {
        RETRY.schedule(() -> park(http, server, a, index, running), 1, TimeUnit.SECONDS);
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

    private static Request request(HttpClient http, String method, String url, String body, String token) {
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
