package dev.steward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.monitor.BoundedRegex;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What one tenant's {@code regex} constraint costs every other tenant, in one process over real
 * HTTP on loopback. N agents (default 2,000), each with its own 40-character {@code host}
 * attribute. One role posts one request that fits any agent but whose pattern matches none, the
 * costliest pattern of a family that stays within the per-value budget placement gives a pattern
 * (so it is never cut off: every agent's value is read in full, at the most it may cost). Then 30
 * rounds of another tenant's allocation of 1 cpu, placed and released, each command timed: every
 * release gives room, so the waiting request is tried again over every agent. The same rounds with
 * a constraint that costs nothing ({@code host = nomatch}) are the baseline. Before the rounds, on
 * the still quiet cluster, it times how long the follow-up cycles take the pattern to every agent
 * its first cycle did not reach (a role's patterns read a bounded amount per cycle).
 * Usage: RegexConstraintBench [AGENTS] (default 2000).
 */
public final class RegexConstraintBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GRACE = Duration.ofHours(1);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int LENGTH = 40;
    /** Placement's per-value budget for a regex constraint (Filters.REGEX_BASE and REGEX_PER_CHAR). */
    private static final long BUDGET = 10_000 + 20L * LENGTH;

    private RegexConstraintBench() {
    }

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        String value = host(0);
        String pattern = null;
        long cost = 0;
        for (String candidate : List.of("x=", ".*=", ".*.{0,2}=", ".*.{0,4}=", ".*.{0,6}=", ".*.{0,8}=", ".*.*=")) {
            long c = cost(candidate, value);
            if (c <= BUDGET && c > cost) {
                pattern = candidate;
                cost = c;
            }
        }
        System.out.printf("RegexConstraintBench: %d cores, %,d agents with a %d-character host each; pattern '%s' reads %,d characters of one value"
                + " (the budget per value is %,d)%n", Runtime.getRuntime().availableProcessors(), agents, LENGTH, pattern, cost, BUDGET);
        Path root = Files.createTempDirectory("steward-regex-bench");
        try {
            double[] base = run(root.resolve("plain"), agents, "{\"attribute\":\"host\",\"op\":\"=\",\"value\":\"nomatch\"}");
            double[] costly = run(root.resolve("regex"), agents, "{\"attribute\":\"host\",\"op\":\"regex\",\"value\":\"" + pattern + "\"}");
            System.out.printf("  the waiting request posted: %8.1f ms with host = nomatch, %8.1f ms with the pattern (x%.1f)%n", base[0], costly[0],
                    costly[0] / base[0]);
            System.out.printf("  another tenant's allocation: %7.1f ms / %7.1f ms (x%.1f)   its release (the request tried again): %7.1f ms / %7.1f ms (x%.1f)%n",
                    base[1], costly[1], costly[1] / base[1], base[2], costly[2], costly[2] / base[2]);
            System.out.printf("  on the quiet cluster, from the post until the pattern had reached every agent: %.1f ms, %d cycles after the first"
                    + " (follow-ups, with no release or join)%n", costly[3], (int) costly[4]);
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Agent {@code i}'s host attribute: distinct, {@link #LENGTH} characters, no '='. */
    private static String host(int i) {
        String s = "host-" + String.format("%06d", i) + "-";
        return s + "r".repeat(LENGTH - s.length());
    }

    /** The characters {@code pattern} reads to find nothing in {@code value}: the least budget it runs within. */
    private static long cost(String pattern, String value) {
        Pattern p = Pattern.compile(pattern);
        long lo = 0;
        long hi = 1L << 40;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            try {
                BoundedRegex.find(p, value, "value", new BoundedRegex.Budget(mid, 0));
                hi = mid;
            } catch (BoundedRegex.TooCostly e) {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** One server: the agents, the waiting request (its post timed), then 30 rounds of another tenant's; the medians in ms. */
    private static double[] run(Path dir, int agents, String constraint) throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(GRACE))) {
            for (int i = 0; i < agents; i++) {
                JsonNode a = call(s, "POST", "/v1/agents", s.joinToken(), "{\"name\":\"m" + i + "\",\"cpus\":\"4\",\"memory\":\"4g\","
                        + "\"ports\":\"21000-21100\",\"attributes\":{\"host\":\"" + host(i) + "\"}}", 201);
                call(s, "PUT", "/v1/agents/" + a.path("agent").path("id").asText() + "/heartbeat", a.path("token").asText(), "{}", 200);
            }
            call(s, "PUT", "/v1/roles/hostile", s.adminToken(), "{\"weight\":1}", 200);
            call(s, "PUT", "/v1/roles/other", s.adminToken(), "{\"weight\":1}", 200);
            String hostile = call(s, "POST", "/v1/roles/hostile/tokens", s.adminToken(), "{}", 201).path("token").asText();
            String other = call(s, "POST", "/v1/roles/other/tokens", s.adminToken(), "{}", 201).path("token").asText();
            long t0 = System.nanoTime();
            JsonNode waiting = call(s, "POST", "/v1/requests", hostile, "{\"cpus\":\"0.1\",\"memory\":\"16m\",\"constraints\":[" + constraint + "]}", 201);
            double posted = (System.nanoTime() - t0) / 1e6;
            if (!waiting.path("state").asText().equals("PENDING")) {
                throw new IllegalStateException("the request was placed: " + waiting);
            }
            // the cluster is quiet: follow-up cycles alone take the pattern to the agents its first cycle did not reach
            String id = waiting.path("id").asText();
            int cycles = 0;
            for (String why = ""; ; cycles++) {
                JsonNode r = call(s, "GET", "/v1/requests/" + id, hostile, "", 200);
                String now = r.path("why").toString();
                if (!now.contains("not run on this agent")) {
                    break;
                }
                if (!now.equals(why)) {
                    why = now;
                } else {
                    Thread.sleep(1); // a bench's poll, not a test's wait: the figure is read to the millisecond
                    cycles--;
                }
            }
            double reached = (System.nanoTime() - t0) / 1e6;
            long[] alloc = new long[30];
            long[] release = new long[30];
            for (int i = 0; i < alloc.length; i++) {
                t0 = System.nanoTime();
                JsonNode r = call(s, "POST", "/v1/requests", other, "{\"cpus\":\"1\",\"memory\":\"64m\"}", 201);
                alloc[i] = System.nanoTime() - t0;
                t0 = System.nanoTime();
                call(s, "POST", "/v1/allocations/" + r.path("allocations").get(0).asText() + "/release", other, "{}", 200);
                release[i] = System.nanoTime() - t0;
            }
            Arrays.sort(alloc);
            Arrays.sort(release);
            return new double[] {posted, alloc[15] / 1e6, release[15] / 1e6, reached, cycles};
        }
    }

    private static JsonNode call(Server s, String method, String path, String token, String body, int expect) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> a = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        if (a.statusCode() != expect) {
            throw new IllegalStateException(method + " " + path + ": " + a.statusCode() + " " + a.body());
        }
        return JSON.readTree(a.body().isEmpty() ? "{}" : a.body());
    }
}
