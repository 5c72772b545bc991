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
    private final Supplier<String> refusal;
    private final dev.steward.allocator.packages.PackageStore packages;
    private final byte[] peerHash;

    /** {@code GET /metrics} as a follower answers it. */
    private final java.util.function.Function<ApiRequest, ApiResponse> metrics;

    /**
     * {@code leader}: the leader's URL, or null; {@code why}: why there is none, when there is none;
     * {@code packages}: where copies of packages sent by the leader with {@code peerToken} go.
     */
    FollowerApi(Supplier<String> leader, Supplier<String> why, Supplier<String> refusal, dev.steward.allocator.packages.PackageStore packages,
                String peerToken, java.util.function.Function<ApiRequest, ApiResponse> metrics) {
        this.metrics = metrics;
        this.refusal = refusal;
        this.leader = leader;
        this.why = why;
        this.packages = packages;
        this.peerHash = dev.steward.allocator.auth.Tokens.hash(peerToken).getBytes(StandardCharsets.US_ASCII);
    }

    /** A copy between allocators: the peer token checked and the digest read, or the refusal. */
    private ApiResponse copy(ApiRequest req, java.util.function.Function<String, ApiResponse> withDigest) {
        if (!peer(req)) {
            return ApiResponse.problem(401, "Unauthorized", "only the allocators of this cluster copy packages to each other", null);
        }
        String digest;
        try {
            digest = dev.steward.api.Digests.check("digest", req.path().substring(PeerPackages.ROUTE.length()));
        } catch (RuntimeException e) {
            return ApiResponse.problem(400, "Bad Request", e.getMessage(), "digest");
        }
        return withDigest.apply(digest);
    }

    /** {@code GET /v1/internal/packages/DIGEST} from a new leader that lacks a package: the file, if this server has it. */
    private ApiResponse give(String digest) {
        if (!packages.has(digest)) {
            return ApiResponse.problem(404, "Not Found", "this allocator has no copy of " + digest, "digest");
        }
        java.nio.file.Path file = packages.path(digest);
        return ApiResponse.stream(200, "application/octet-stream", new ApiResponse.BodyWriter() {
            @Override
            public long length() {
                try {
                    return java.nio.file.Files.size(file);
                } catch (java.io.IOException e) {
                    return -1;
                }
            }

            @Override
            public void writeTo(java.io.OutputStream out) throws java.io.IOException {
                java.nio.file.Files.copy(file, out);
            }
        });
    }

    private boolean peer(ApiRequest req) {
        String auth = req.header("authorization");
        return auth != null && auth.startsWith("Bearer ") && java.security.MessageDigest.isEqual(peerHash,
                dev.steward.allocator.auth.Tokens.hash(auth.substring(7).trim()).getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code PUT /v1/internal/packages/DIGEST} from the leader: the bytes kept, without a record (that comes through the log). */
    private ApiResponse accept(ApiRequest req, String digest) {
        String len = req.header("content-length");
        try (java.io.InputStream body = req.stream()) {
            packages.accept(digest, body, len == null ? -1 : Long.parseLong(len.trim()));
            return ApiResponse.json(201, java.util.Map.of("digest", digest));
        } catch (dev.steward.allocator.packages.PackageStore.Refused e) {
            return ApiResponse.problem(e.status(), "Refused", e.getMessage(), "digest");
        } catch (java.io.IOException | NumberFormatException e) {
            return ApiResponse.problem(400, "Bad Request", "the copy was cut off (" + e.getMessage() + "); nothing was kept", null);
        }
    }

    @Override
    public CompletableFuture<ApiResponse> handle(ApiRequest req) {
        if (req.method().equals("PUT") && req.path().startsWith(PeerPackages.ROUTE)) {
            return CompletableFuture.completedFuture(copy(req, d -> accept(req, d)));
        }
        if (req.method().equals("GET") && req.path().startsWith(PeerPackages.ROUTE)) {
            return CompletableFuture.completedFuture(copy(req, this::give));
        }
        if (req.method().equals("GET") && req.path().equals("/metrics")) {
            req.trace().route("/metrics");
            return CompletableFuture.completedFuture(metrics.apply(req)); // this server's own: Prometheus scrapes each server
        }
        String l = leader.get();
        if (req.method().equals("GET") && req.path().equals("/v1/health")) {
            req.trace().route("/v1/health");
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("status", "ok");
            body.put("role", "follower");
            body.put("leader", l);
            if (refusal.get() != null) {
                body.put("electable", false);
                body.put("reason", refusal.get());
            }
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
        return method.equals("PUT") && rawPath.startsWith("/v1/packages/") || rawPath.startsWith(PeerPackages.ROUTE); // copies between allocators stream both ways
    }
}
