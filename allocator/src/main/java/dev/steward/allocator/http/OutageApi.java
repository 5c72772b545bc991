package dev.steward.allocator.http;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What a lone allocator serves while its state store cannot be written and it waits to open its
 * state again: every request, refused before its body is read, with a 503, the reason and a
 * {@code Retry-After}, which clients and agents honour; {@code GET /v1/health} says
 * {@code failed} with the reason, for a load balancer or a probe. Nothing is read from the state
 * (the failed life may hold a change that never reached the disk).
 */
public final class OutageApi implements HttpApi {
    /** Seconds a client is told to wait before it asks again. */
    static final String RETRY_AFTER = "2";
    private final Supplier<String> reason;
    private final long index;

    /** {@code reason}: asked at each request (the free space changes); {@code index}: the last index written. */
    public OutageApi(Supplier<String> reason, long index) {
        this.reason = reason;
        this.index = index;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(ApiRequest req) {
        return CompletableFuture.completedFuture(answer(req));
    }

    @Override
    public boolean streams(String method, String rawPath) {
        return false;
    }

    @Override
    public ApiResponse refuseEarly(ApiRequest head) {
        return answer(head);
    }

    private ApiResponse answer(ApiRequest req) {
        String why = reason.get();
        if ("GET".equals(req.method()) && "/v1/health".equals(req.path())) {
            req.trace().route("/v1/health");
            return ApiResponse.json(503, Map.of("status", "failed", "index", index, "reason", why)).header("Retry-After", RETRY_AFTER);
        }
        return ApiResponse.problem(503, "Service Unavailable", why, null).header("Retry-After", RETRY_AFTER).header(ApiResponse.NOT_APPLIED, "true");
    }
}
