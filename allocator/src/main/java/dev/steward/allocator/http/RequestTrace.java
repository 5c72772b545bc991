package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * One request as the request log and the metrics see it: its id (the client's
 * {@code X-Request-Id} when it sent a usable one, else a new one; echoed in the response), when
 * it began, the route template it matched (never the raw path: bounded labels, and no secret a
 * user pasted into a URL reaches a log) and the principal it authenticated as (never the token).
 * The API fills in the route and principal as it learns them; the server reads them when the
 * answer is out.
 */
public final class RequestTrace {
    public static final String HEADER = "X-Request-Id";
    /** What a route-less request is logged and counted under. */
    public static final String UNMATCHED = "unmatched";
    private static final int MAX_ID = 128;
    private final String id;
    private final long startNanos;
    private volatile String route = UNMATCHED;
    private volatile String who;
    private volatile java.util.List<String> params = java.util.List.of();
    private volatile String remote;
    private volatile String via;

    private RequestTrace(String id, long startNanos) {
        this.id = id;
        this.startNanos = startNanos;
    }

    /** A trace for a request that sent {@code sentId} (or null): kept when it is 1 to 128 of {@code [A-Za-z0-9._:-]}, else replaced. */
    public static RequestTrace of(String sentId) {
        return of(sentId, null);
    }

    /**
     * As above, for a request whose {@code Authorization} header is {@code authorization}: an id
     * that is the request's own token, or has the shape of a Steward token, is replaced too, so
     * a client's slip cannot put a token in the log.
     */
    public static RequestTrace of(String sentId, String authorization) {
        boolean own = sentId != null && sentId.length() >= 8 && authorization != null && authorization.contains(sentId);
        return new RequestTrace(!own && usable(sentId) ? sentId : generate(), System.nanoTime());
    }

    /** What a Steward token looks like: a prefix, '_', 64 hex digits. */
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("st[a-z]*_[a-z_]*[0-9a-f]{64}");

    static boolean usable(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID) {
            return false;
        }
        if (TOKEN.matcher(id).find()) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-')) {
                return false; // a newline or a space would let a client forge lines in the log
            }
        }
        return true;
    }

    private static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return String.format("%016x%016x", r.nextLong(), r.nextLong());
    }

    public String id() {
        return id;
    }

    public long startNanos() {
        return startNanos;
    }

    public String route() {
        return route;
    }

    public void route(String template) {
        this.route = template;
    }

    /** The values of the route's path parameters, in the template's order ({@code web}, {@code prod} for {@code /v1/services/{app}/{env}}). */
    public java.util.List<String> params() {
        return params;
    }

    public void params(java.util.Map<String, String> matched) {
        this.params = java.util.List.copyOf(matched.values());
    }

    /**
     * What a change acted on, for the request log: the path parameters joined by '/'
     * ({@code web/prod}), each kept only when it is 1 to 128 of {@code [A-Za-z0-9._:-]} and not
     * shaped like a Steward token ({@code ?} otherwise); null when the route has none.
     */
    public String target() {
        java.util.List<String> ps = params;
        if (ps.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (String p : ps) {
            b.append(b.length() > 0 ? "/" : "").append(usable(p) ? p : "?");
        }
        return b.toString();
    }

    /**
     * The address the request came from (an IP address): the connection's, or, through a trusted
     * proxy ({@link TrustedProxies}), the client's it names; null when not known.
     */
    public String remote() {
        return remote;
    }

    /** Notes where the request came from: an IP literal only, so nothing a client sends can reach the log through it. */
    public void remote(String address) {
        this.remote = literal(address);
    }

    /** The trusted proxy the request came through, when {@link #remote} is the client it named; else null. */
    public String via() {
        return via;
    }

    public void via(String address) {
        this.via = literal(address);
    }

    private static String literal(String address) {
        return address != null && address.matches("[0-9A-Za-z.:%\\[\\]]{1,64}") ? address : null;
    }

    /** Who the request acted as, {@code kind:subject} ({@code role:ci}, {@code agent:a-12}), or null before (or without) authentication. */
    public String who() {
        return who;
    }

    public void principal(Principal p) {
        this.who = p == null ? null : p.kind().name().toLowerCase(java.util.Locale.ROOT) + ":" + p.subject();
    }

    /** For callers that are not principals of the API (the metrics token: {@code metrics}). */
    public void who(String caller) {
        this.who = caller;
    }
}
