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

    LeaderApi(HttpApi api, String url, long epoch, java.util.function.LongSupplier index) {
        this.api = api;
        this.url = url;
        this.epoch = epoch;
        this.index = index;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(ApiRequest req) {
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

    @Override
    public boolean streams(String method, String rawPath) {
        return api.streams(method, rawPath);
    }
}
