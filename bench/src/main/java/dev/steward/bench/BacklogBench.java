package dev.steward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What one tenant's backlog of pending requests costs every other tenant, in one process over
 * real HTTP on loopback: one 4-cpu agent, one role that posts requests no agent can hold (each a
 * different memory size, so no remembered failure answers the next), and between steps the
 * admin's commands (a role's weight changed, 30 times) timed alone, then 30 rounds of another
 * tenant's allocation of 1 cpu placed and released, each command timed. Every command that changes
 * something is followed by a scheduling cycle. A request that found no place is set aside until
 * room may grow, so the weight changes and the placements do not try the backlog again, while
 * each release (room grew) tries it once. The first server has the bound on pending requests
 * lifted, to measure the growth with the backlog; the second has the shipped bound, and shows
 * where a role is stopped. Then, on an agent whose 4 cpus are all taken, 1,000 and 3,000 requests
 * for 2 cpus wait (they fit the agent's size), and 30 releases of 1 cpu there are timed: room
 * grew, but less than any of them asks. Usage: BacklogBench [N,...] (default 1000,5000,10000 pending).
 */
public final class BacklogBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The bench's agent heartbeats once: it stays ready through the whole run. */
    private static final Duration GRACE = Duration.ofHours(1);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private BacklogBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] steps = Arrays.stream((args.length > 0 ? args[0] : "1000,5000,10000").split(",")).mapToInt(Integer::parseInt).toArray();
        Path root = Files.createTempDirectory("steward-backlog-bench");
        System.out.printf("BacklogBench: %d cores; one 4-cpu agent; pending requests of one role, then 30 admin commands timed alone%n",
                Runtime.getRuntime().availableProcessors());
        try (Server unbounded = Server.start(ServerConfig.of(root.resolve("a")).withMaxPendingPerRole(Integer.MAX_VALUE).withHeartbeatGrace(GRACE))) {
            String token = setUp(unbounded);
            double none = commandMedian(unbounded);
            double[] noneRound = allocateAndRelease(unbounded);
            System.out.printf("  bound lifted: pending %,6d   weight change median %7.1f ms   another tenant's allocation %6.1f ms, its release %6.1f ms%n",
                    0, none, noneRound[0], noneRound[1]);
            int made = 0;
            for (int n : steps) {
                long t0 = System.nanoTime();
                Map<Integer, Integer> codes = post(unbounded, token, made, n);
                double s = (System.nanoTime() - t0) / 1e9;
                made = n;
                double m = commandMedian(unbounded);
                double[] round = allocateAndRelease(unbounded);
                System.out.printf("  bound lifted: pending %,6d   weight change median %7.1f ms (x%.1f of none)   another tenant's allocation %6.1f ms,"
                        + " its release %6.1f ms   [the backlog's last step took %.1f s to post: %s]%n", n, m, m / none, round[0], round[1], s, codes);
            }
        }
        for (int n : new int[] {1_000, 3_000}) { // a backlog that fits the agent's size, on an agent that is full
            try (Server full = Server.start(ServerConfig.of(root.resolve("full-" + n)).withMaxPendingPerRole(Integer.MAX_VALUE).withHeartbeatGrace(GRACE))) {
                String token = setUp(full);
                double[] round = releaseOnFullAgent(full, token, n);
                System.out.printf("  full agent: pending %,6d of 2 cpus (the agent has 4)   a release of 1 cpu there %6.1f ms   the 1 cpu taken again %6.1f ms%n",
                        n, round[0], round[1]);
            }
        }
        int bound = dev.steward.allocator.state.StateConfig.DEFAULTS.maxPendingPerRole();
        try (Server shipped = Server.start(ServerConfig.of(root.resolve("b")).withHeartbeatGrace(GRACE))) {
            String token = setUp(shipped);
            double none = commandMedian(shipped);
            Map<Integer, Integer> codes = post(shipped, token, 0, bound + 100);
            double m = commandMedian(shipped);
            System.out.printf("  shipped bound (%,d): %,d posted -> %s; command median %.1f ms with none, %.1f ms at the bound (x%.1f)%n",
                    bound, bound + 100, codes, none, m, m / none);
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** An agent with 4 cpus and 4g, a role "greedy" with a token (returned), and a role "other" for the admin's commands. */
    private static String setUp(Server s) throws Exception {
        JsonNode agent = call(s, "POST", "/v1/agents", s.joinToken(), "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"4g\",\"ports\":\"21000-21100\"}", 201);
        call(s, "PUT", "/v1/agents/" + agent.path("agent").path("id").asText() + "/heartbeat", agent.path("token").asText(), "{}", 200);
        call(s, "PUT", "/v1/roles/greedy", s.adminToken(), "{\"weight\":1}", 200);
        call(s, "PUT", "/v1/roles/other", s.adminToken(), "{\"weight\":1}", 200);
        return call(s, "POST", "/v1/roles/greedy/tokens", s.adminToken(), "{}", 201).path("token").asText();
    }

    /** Posts requests {@code from} to {@code to} (exclusive) from 8 threads; the answers' status codes, counted. */
    private static Map<Integer, Integer> post(Server s, String token, int from, int to) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = from; i < to; i++) {
                String body = "{\"cpus\":\"1\",\"memory\":\"" + (5000 + i) + "m\"}"; // above the agent's 4g: pending, each a different ask
                answers.add(pool.submit(() -> send(s, "POST", "/v1/requests", token, body).statusCode()));
            }
            Map<Integer, Integer> codes = new TreeMap<>();
            for (Future<Integer> f : answers) {
                codes.merge(f.get(), 1, Integer::sum);
            }
            return codes;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The median of 30 admin commands, each changing a role's weight (so each is followed by a scheduling cycle). */
    private static double commandMedian(Server s) throws Exception {
        long[] t = new long[30];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            call(s, "PUT", "/v1/roles/other", s.adminToken(), "{\"weight\":" + (1 + i % 3) + "}", 200);
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return t[t.length / 2] / 1e6;
    }

    /** 30 rounds of role "other" allocating 1 cpu (placed) and releasing it: the medians of each command, in ms. */
    private static double[] allocateAndRelease(Server s) throws Exception {
        long[] alloc = new long[30];
        long[] release = new long[30];
        String token = call(s, "POST", "/v1/roles/other/tokens", s.adminToken(), "{}", 201).path("token").asText();
        for (int i = 0; i < alloc.length; i++) {
            long t0 = System.nanoTime();
            JsonNode r = call(s, "POST", "/v1/requests", token, "{\"cpus\":\"1\",\"memory\":\"64m\"}", 201);
            alloc[i] = System.nanoTime() - t0;
            if (!r.path("state").asText().equals("PLACED")) {
                throw new IllegalStateException("another tenant's allocation was not placed: " + r);
            }
            t0 = System.nanoTime();
            call(s, "POST", "/v1/allocations/" + r.path("allocations").get(0).asText() + "/release", token, "{}", 200);
            release[i] = System.nanoTime() - t0;
        }
        Arrays.sort(alloc);
        Arrays.sort(release);
        return new double[] {alloc[alloc.length / 2] / 1e6, release[release.length / 2] / 1e6};
    }

    /**
     * The agent's 4 cpus taken by role "other" (1 cpu each, not preemptible), {@code n} requests
     * of role "greedy" for 2 cpus each waiting, then 30 rounds of one of other's allocations
     * released (1 cpu free: less than any waiting request asks) and 1 cpu taken again: the
     * medians of each, in ms.
     */
    private static double[] releaseOnFullAgent(Server s, String greedy, int n) throws Exception {
        String other = call(s, "POST", "/v1/roles/other/tokens", s.adminToken(), "{}", 201).path("token").asText();
        List<String> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(placed(s, other));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String body = "{\"cpus\":\"2\",\"memory\":\"" + (64 + i) + "m\"}"; // fits the agent's 4g, each a different ask
                answers.add(pool.submit(() -> send(s, "POST", "/v1/requests", greedy, body).statusCode()));
            }
            for (Future<Integer> f : answers) {
                if (f.get() != 201) {
                    throw new IllegalStateException("a waiting request was refused: " + f.get());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long[] release = new long[30];
        long[] again = new long[30];
        for (int i = 0; i < release.length; i++) {
            long t0 = System.nanoTime();
            call(s, "POST", "/v1/allocations/" + held.remove(0) + "/release", other, "{}", 200);
            release[i] = System.nanoTime() - t0;
            t0 = System.nanoTime();
            held.add(placed(s, other));
            again[i] = System.nanoTime() - t0;
        }
        Arrays.sort(release);
        Arrays.sort(again);
        return new double[] {release[release.length / 2] / 1e6, again[again.length / 2] / 1e6};
    }

    /** One allocation of 1 cpu for the token's role, which must be placed: its id. */
    private static String placed(Server s, String token) throws Exception {
        JsonNode r = call(s, "POST", "/v1/requests", token, "{\"cpus\":\"1\",\"memory\":\"64m\"}", 201);
        if (!r.path("state").asText().equals("PLACED")) {
            throw new IllegalStateException("1 cpu was not placed: " + r);
        }
        return r.path("allocations").get(0).asText();
    }

    private static HttpResponse<String> send(Server s, String method, String path, String token, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode call(Server s, String method, String path, String token, String body, int expect) throws Exception {
        HttpResponse<String> r = send(s, method, path, token, body);
        if (r.statusCode() != expect) {
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body().isEmpty() ? "{}" : r.body());
    }
}
