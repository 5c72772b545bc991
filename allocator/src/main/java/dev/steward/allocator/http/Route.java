package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One route: a method, a path template with {@code {name}} segments, who may call it, and the
 * handler. Templates are what the OpenAPI file documents, and the test compares the two.
 */
public record Route(String method, String template, Set<Principal.Kind> allowed, Handler handler, boolean streaming) {

    public Route(String method, String template, Set<Principal.Kind> allowed, Handler handler) {
        this(method, template, allowed, handler, false);
    }

    /**
     * A route whose handler reads the request body as a stream or writes a streamed body: it runs
     * on the server's thread, never on the state's owner thread.
     */
    public static Route streaming(String method, String template, Set<Principal.Kind> allowed, Handler handler) {
        return new Route(method, template, allowed, handler, true);
    }

    /** The handler of one route. */
    @FunctionalInterface
    public interface Handler {
        CompletableFuture<ApiResponse> handle(Call call);
    }

    /** An authenticated request with its path parameters. */
    public record Call(ApiRequest request, Principal principal, Map<String, String> params) {
        public String param(String name) {
            return params.get(name);
        }
    }

    /** A path segment, percent-decoded ('+' stays '+'); a malformed escape is the client's mistake. */
    static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            return java.net.URLDecoder.decode(segment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "Bad Request", "the path segment '" + segment + "' has a malformed percent-escape", null);
        }
    }

    /** Each template's segments, split once: every request is matched against every route. */
    private static final Map<String, String[]> SEGMENTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The path parameters (percent-decoded) if {@code path} matches the template, else null. */
    public Map<String, String> match(String[] segments) {
        String[] t = SEGMENTS.computeIfAbsent(template, x -> x.substring(1).split("/"));
        if (t.length != segments.length) {
            return null;
        }
        for (int i = 0; i < t.length; i++) { // literals first, allocating nothing: most routes do not match
            if (t[i].startsWith("{") ? segments[i].isEmpty() : !t[i].equals(segments[i])) {
                return null;
            }
        }
        Map<String, String> params = new java.util.LinkedHashMap<>();
        for (int i = 0; i < t.length; i++) {
            if (t[i].startsWith("{")) {
                params.put(t[i].substring(1, t[i].length() - 1), decode(segments[i]));
            }
        }
        return params;
    }
}
