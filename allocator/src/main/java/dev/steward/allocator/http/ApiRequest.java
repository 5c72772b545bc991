package dev.steward.allocator.http;

import java.util.List;
import java.util.Map;

/**
 * An HTTP request in transport-neutral form. Header names are lower case. A streaming route
 * gets the body as {@code stream} (read on the server's thread) instead of {@code body}.
 * {@code trace} is where the API notes the route and principal for the request log and metrics.
 * {@code gone} completes if the client closes its connection before it has its answer (watched
 * for parked queries and log follows only, {@link dev.steward.connections.ClientDeparture}), so that what waits for it can stop.
 */
public record ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers, byte[] body,
                         java.io.InputStream stream, RequestTrace trace, java.util.concurrent.CompletableFuture<Void> gone) {

    /** A request whose client's departure nobody watches. */
    public ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers, byte[] body,
                      java.io.InputStream stream, RequestTrace trace) {
        this(method, path, query, headers, body, stream, trace, new java.util.concurrent.CompletableFuture<>());
    }

    public ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers, byte[] body) {
        this(method, path, query, headers, body, null, RequestTrace.of(headers.get("x-request-id")));
    }

    public ApiRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers, byte[] body,
                      java.io.InputStream stream) {
        this(method, path, query, headers, body, stream, RequestTrace.of(headers.get("x-request-id")));
    }

    public String param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** Parses a query string ({@code a=1&b=x%20y}). */
    public static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new java.util.ArrayList<>()).add(v);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "Bad query", "the query string is not valid URL encoding: " + s, null);
        }
    }
}
