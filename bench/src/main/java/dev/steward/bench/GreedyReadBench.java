package dev.steward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentRegistration;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a client that reads large lists as fast as it can costs everyone else, in one process over
 * real HTTP on loopback: 10,000 agents are known (so {@code GET /v1/agents} answers about 3 MB),
 * and N clients (8 by default) ask for that list again and again, reading and dropping each
 * answer. Alone, and then under that load, it times 100 admin commands (a role's weight changed)
 * and 100 heartbeats of a real agent, and prints their p50 and p95, the ratio to alone, the greedy
 * reads per second, the owner thread's busy share, and its time per read. Usage: GreedyReadBench [READERS] [AGENTS] [PATH]
 * (PATH: what the greedy clients read, {@code /v1/agents} by default; {@code /v1/status} sums the same agents).
 */
public final class GreedyReadBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GreedyReadBench() {
    }

    public static void main(String[] args) throws Exception {
        int readers = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int agents = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        String path = args.length > 2 ? args[2] : "/v1/agents";
        Path root = Files.createTempDirectory("steward-greedy-read-bench");
        try (Server s = Server.start(ServerConfig.of(root.resolve("server")).withHeartbeatGrace(Duration.ofHours(1)))) {
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("note", "x".repeat(200));
            s.engine().command((st, now) -> {
                for (int i = 0; i < agents; i++) {
                    st.registerAgent(new AgentRegistration("m" + i, "4", "4g", null, null, null, null, null, attrs).parse(), "h" + i, now);
                }
                return null;
            }).get(120, TimeUnit.SECONDS);
            JsonNode joined = JSON.readTree(send(s, "POST", "/v1/agents", s.joinToken(),
                    "{\"name\":\"real\",\"cpus\":\"4\",\"memory\":\"4g\",\"ports\":\"21000-21100\"}").body());
            String agentId = joined.path("agent").path("id").asText();
            String agentToken = joined.path("token").asText();
            send(s, "PUT", "/v1/roles/other", s.adminToken(), "{\"weight\":1}");
            long listBytes = send(s, "GET", path, s.adminToken(), null).body().length();
            System.out.printf("GreedyReadBench: %d cores; %,d agents (GET %s answers %,d bytes); %d greedy readers%n",
                    Runtime.getRuntime().availableProcessors(), agents + 1, path, listBytes, readers);

            long[][] alone = sample(s, agentId, agentToken);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(readers);
            for (int i = 0; i < readers; i++) {
                pool.submit(() -> {
                    HttpRequest get = HttpRequest.newBuilder(URI.create(s.url() + path)).header("Authorization", "Bearer " + s.adminToken())
                            .timeout(Duration.ofSeconds(60)).GET().build();
                    while (!stop.get()) {
                        HTTP.send(get, HttpResponse.BodyHandlers.discarding());
                        reads.incrementAndGet();
                    }
                    return null;
                });
            }
            Thread.sleep(2000); // the readers get going
            long r0 = reads.get();
            long b0 = s.engine().busyNanos();
            long t0 = System.nanoTime();
            long[][] loaded = sample(s, agentId, agentToken);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double busy = (s.engine().busyNanos() - b0) / 1e9 / seconds;
            long done = reads.get() - r0;
            // the reads alone for 3 s: the owner thread's time per read (the ticker's few ticks included)
            long r1 = reads.get();
            long b1 = s.engine().busyNanos();
            Thread.sleep(3000);
            double ownerPerRead = (s.engine().busyNanos() - b1) / 1e6 / Math.max(1, reads.get() - r1);
            stop.set(true);
            pool.shutdown();
            pool.awaitTermination(120, TimeUnit.SECONDS);

            print("a command (PUT /v1/roles/other)", alone[0], loaded[0]);
            print("a heartbeat (PUT /v1/agents/ID/heartbeat)", alone[1], loaded[1]);
            System.out.printf("  greedy reads: %.1f a second while the samples were taken (%.1f s); owner thread busy %.0f%%%n", done / seconds, seconds,
                    busy * 100);
            System.out.printf("  the owner thread's time per greedy read (3 s of reads alone): %.2f ms%n", ownerPerRead);
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** 100 commands and 100 heartbeats, interleaved: their latencies in nanoseconds, each sorted. */
    private static long[][] sample(Server s, String agentId, String agentToken) throws Exception {
        long[] command = new long[100];
        long[] beat = new long[100];
        for (int i = 0; i < command.length; i++) {
            long t0 = System.nanoTime();
            expect(send(s, "PUT", "/v1/roles/other", s.adminToken(), "{\"weight\":" + (1 + i % 3) + "}"), 200);
            command[i] = System.nanoTime() - t0;
            t0 = System.nanoTime();
            expect(send(s, "PUT", "/v1/agents/" + agentId + "/heartbeat", agentToken, "{}"), 200);
            beat[i] = System.nanoTime() - t0;
        }
        Arrays.sort(command);
        Arrays.sort(beat);
        return new long[][] {command, beat};
    }

    private static void print(String what, long[] alone, long[] loaded) {
        double a50 = alone[alone.length / 2] / 1e6;
        double a95 = alone[alone.length * 95 / 100] / 1e6;
        double l50 = loaded[loaded.length / 2] / 1e6;
        double l95 = loaded[loaded.length * 95 / 100] / 1e6;
        System.out.printf("  %-42s alone p50 %6.1f ms p95 %6.1f ms   under the greedy reads p50 %6.1f ms (x%.1f) p95 %6.1f ms (x%.1f)%n", what,
                a50, a95, l50, l50 / a50, l95, l95 / a95);
    }

    private static void expect(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException("expected " + status + ", got " + r.statusCode() + ": " + r.body());
        }
    }

    private static HttpResponse<String> send(Server s, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
