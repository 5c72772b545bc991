package dev.steward.allocator.http;

import java.util.concurrent.CompletableFuture;

/**
 * What the HTTP transport serves: a request in, an answer out, and whether a route streams its
 * body (so the transport must not read it first). {@link Api} is the allocator's; a server that
 * follows a leader in a replicated setup serves another.
 */
public interface HttpApi {
    CompletableFuture<ApiResponse> handle(ApiRequest req);

    boolean streams(String method, String rawPath);
}
