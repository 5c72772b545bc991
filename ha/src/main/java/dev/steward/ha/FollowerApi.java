package dev.steward.ha;

import dev.steward.allocator.http.ApiRequest;
import dev.steward.allocator.http.ApiResponse;
import dev.steward.allocator.http.HttpApi;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What a follower answers: its health (with the leader's address), and for every other request
 * a 307 to the same path on the leader, with the leader in {@code X-Steward-Leader}; with no
 * leader elected (an election under way, or ZooKeeper without quorum), a 503 that says so.
 */
final class FollowerApi implements HttpApi {
    static final String LEADER_HEADER = "X-Steward-Leader";
    private final Supplier<String> leader;
    private final Supplier<String> why;

    /** {@code leader}: the leader's URL, or null; {@code why}: why there is none, when there is none. */
    FollowerApi(Supplier<String> leader, Supplier<String> why) {
        this.leader = leader;
        this.why = why;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(ApiRequest req) {
        String l = leader.get();
        if (req.method().equals("GET") && req.path().equals("/v1/health")) {
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("status", "ok");
            body.put("role", "follower");
            body.put("leader", l);
            ApiResponse r = ApiResponse.json(200, body);
            return CompletableFuture.completedFuture(l == null ? r : r.header(LEADER_HEADER, l));
        }
        if (l == null) {
            return CompletableFuture.completedFuture(ApiResponse.problem(503, "No Leader",
                    "this allocator follows and no leader is elected now (" + why.get() + "); retry shortly", null).header("Retry-After", "1"));
        }
        String location = l + req.path() + query(req.query());
        return CompletableFuture.completedFuture(ApiResponse.problem(307, "Temporary Redirect",
                "this allocator follows; the leader is at " + l, null).header("Location", location).header(LEADER_HEADER, l));
    }

    private static String query(Map<String, List<String>> q) {
        if (q == null || q.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, List<String>> e : q.entrySet()) {
            for (String v : e.getValue()) {
                b.append(b.length() == 0 ? '?' : '&').append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8));
                if (v != null) {
                    b.append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
                }
            }
        }
        return b.toString();
    }

    @Override
    public boolean streams(String method, String rawPath) {
        // an upload is not read here (the client sends it again to the leader); other bodies are small and bounded
        return method.equals("PUT") && rawPath.startsWith("/v1/packages/");
    }
}
