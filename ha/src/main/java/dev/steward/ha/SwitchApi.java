package dev.steward.ha;

import dev.steward.allocator.http.ApiRequest;
import dev.steward.allocator.http.ApiResponse;
import dev.steward.allocator.http.HttpApi;

import java.util.concurrent.CompletableFuture;

/** The API a server's one HTTP listener serves: the follower's, or the leader's while it leads. Switched without closing the port. */
final class SwitchApi implements HttpApi {
    private volatile HttpApi current;

    SwitchApi(HttpApi first) {
        this.current = first;
    }

    void set(HttpApi api) {
        current = api;
    }

    boolean leads() {
        return current instanceof LeaderApi;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(ApiRequest req) {
        return current.handle(req);
    }

    @Override
    public boolean streams(String method, String rawPath) {
        return current.streams(method, rawPath);
    }

    @Override
    public ApiResponse refuseEarly(ApiRequest head) {
        return current.refuseEarly(head);
    }
}
