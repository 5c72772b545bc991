package dev.steward.allocator.http;

import java.util.concurrent.CompletableFuture;

/**
 * The API a server's one HTTP listener serves, switched without closing the port: a replicated
 * server's follower API or its leader's while it leads; a lone allocator's API, or the outage's
 * answer while its store cannot be written ({@link OutageApi}).
 */
public final class SwitchApi implements HttpApi {
    private volatile HttpApi current;

    public SwitchApi(HttpApi first) {
        this.current = first;
    }

    public void set(HttpApi api) {
        current = api;
    }

    public HttpApi current() {
        return current;
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
