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

    /**
     * Before the body is read: the answer that refuses the request from its method, path and
     * headers alone ({@code head} has an empty body), or null to read the body and
     * {@link #handle} it. A request refused here never holds its place while a body arrives
     * that would be thrown away: a forged token with a body that never ends costs nothing.
     */
    default ApiResponse refuseEarly(ApiRequest head) {
        return null;
    }
}
