package dev.steward.ha;

import dev.steward.allocator.http.ApiRequest;
import dev.steward.allocator.http.ApiResponse;
import dev.steward.allocator.http.HttpApi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The leader's API, saying on every answer that this server leads ({@code X-Steward-Leader}), and in its health which role it has. */
final class LeaderApi implements HttpApi {
    private final HttpApi api;
    private final String url;
    private final long epoch;
    private final java.util.function.LongSupplier index;

    private final String adminToken;

    /** A rotation of the secrets key handed over to every allocator ({@link KeyHandover}), in place of the single server's. */
    private final java.util.function.Supplier<CompletableFuture<ApiResponse>> rotate;

    LeaderApi(HttpApi api, String url, long epoch, java.util.function.LongSupplier index, String adminToken,
              java.util.function.Supplier<CompletableFuture<ApiResponse>> rotate) {
        this.adminToken = adminToken;
        this.rotate = rotate;
        this.api = api;
        this.url = url;
        this.epoch = epoch;
        this.index = index;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(ApiRequest req) {
        if (req.method().equals("POST") && req.path().equals("/v1/secrets/rotate-key") && admin(req)) {
            // not the single server's rotation: a key made on the leader alone would seal secrets the others cannot open after a failover
            return rotate.get().thenApply(a -> a.header(FollowerApi.LEADER_HEADER, url));
        }
        CompletableFuture<ApiResponse> r = api.handle(req);
        if (req.method().equals("GET") && req.path().equals("/v1/health")) {
            r = r.thenApply(h -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", h.status() == 200 ? "ok" : "failed");
                body.put("role", "leader");
                body.put("leader", url);
                body.put("epoch", epoch);
                body.put("index", index.getAsLong());
                return ApiResponse.json(h.status(), body);
            });
        }
        return r.thenApply(a -> a.header(FollowerApi.LEADER_HEADER, url));
    }

    private boolean admin(ApiRequest req) {
        String auth = req.header("authorization");
        return auth != null && auth.startsWith("Bearer ") && java.security.MessageDigest.isEqual(
                auth.substring(7).trim().getBytes(java.nio.charset.StandardCharsets.UTF_8), adminToken.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public boolean streams(String method, String rawPath) {
        return api.streams(method, rawPath);
    }

    @Override
    public ApiResponse refuseEarly(ApiRequest head) {
        ApiResponse r = api.refuseEarly(head);
        return r == null ? null : r.header(FollowerApi.LEADER_HEADER, url);
    }
}
