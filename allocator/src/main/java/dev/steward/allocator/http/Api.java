package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.auth.Tokens;
import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.engine.EngineClosed;
import dev.steward.allocator.engine.EngineFailed;
import dev.steward.allocator.state.Conflict;
import dev.steward.allocator.state.NotFound;
import dev.steward.allocator.state.TokenRecord;
import dev.steward.api.ValidationException;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The whole REST API as one function from request to future response: routing, bearer-token
 * authentication, and the mapping of every failure to a problem response. Knows no HTTP server.
 */
public final class Api implements HttpApi {
    private static final Logger LOG = Logger.getLogger(Api.class.getName());
    private final Engine engine;
    private final byte[] adminHash;
    private final byte[] joinHash;
    private final byte[] metricsHash;
    private final List<Route> routes = new ArrayList<>();
    private final dev.steward.allocator.metrics.AllocatorMetrics metrics;

    /** The token records by hash, readable from any thread ({@link dev.steward.allocator.state.ClusterState#token}). */
    private final java.util.function.Function<String, TokenRecord> tokens;
    /** What a token's expiry is compared with. */
    private final Clock clock;
    /** When each stored token was last used, and from where (in memory; the admin's token listing shows it). */
    private final dev.steward.allocator.auth.TokenUse use = new dev.steward.allocator.auth.TokenUse();
    /** Keeps role and join tokens' last use in the store, to the hour. */
    private final TokenUseKeeper keeper;

    public Api(Engine engine, String adminToken, String joinToken, Clock clock, dev.steward.allocator.packages.PackageStore packages,
               dev.steward.allocator.packages.PackageSweeper sweeper, dev.steward.allocator.monitor.MonitorRunner monitors,
               dev.steward.allocator.store.SecretKeys secretKeys, javax.net.ssl.SSLContext agentsTls,
               dev.steward.allocator.metrics.AllocatorMetrics metrics, boolean metricsOpen, String metricsToken,
               java.util.function.Supplier<List<dev.steward.tls.CertificateExpiry>> certificates) {
        this.engine = engine;
        this.clock = clock;
        this.metrics = metrics;
        this.adminHash = Tokens.hash(adminToken).getBytes(StandardCharsets.US_ASCII);
        this.joinHash = joinToken == null ? null : Tokens.hash(joinToken).getBytes(StandardCharsets.US_ASCII); // null: minted join tokens only
        this.metricsHash = metricsToken == null ? null : Tokens.hash(metricsToken).getBytes(StandardCharsets.US_ASCII);
        this.tokens = engine.read(s -> (java.util.function.Function<String, TokenRecord>) s::token).join();
        this.keeper = new TokenUseKeeper(use, engine);
        Handlers h = new Handlers(engine, clock);
        routes.addAll(new StatusRoutes(h, certificates).routes());
        routes.addAll(new AgentRoutes(h).routes());
        routes.addAll(new RoleRoutes(h).routes());
        routes.addAll(new TokenRoutes(h, use).routes());
        routes.addAll(new RequestRoutes(h).routes());
        routes.addAll(new AllocationRoutes(h).routes());
        routes.addAll(new TaskRoutes(h, new LogProxy(h, clock, agentsTls), new ExecProxy(h, clock, agentsTls)).routes());
        routes.addAll(new PackageRoutes(h, packages, sweeper).routes());
        routes.addAll(new ServiceRoutes(h).routes());
        routes.addAll(new ServiceSecretRoutes(h).routes());
        routes.addAll(new MonitorRoutes(h, monitors).routes());
        routes.addAll(new SecretRoutes(h, secretKeys).routes());
        routes.addAll(new MetricsRoutes(metrics, metricsOpen).routes());
        routes.addAll(new DashboardRoutes().routes());
        for (Route r : routes) { // filled once, here, and only read after: safe to read from every request's thread
            bySegments.computeIfAbsent(r.template().substring(1).split("/").length, k -> new ArrayList<>()).add(r);
        }
    }

    /** Routes by how many segments their template has: a request is matched only against those of its own length. */
    private final Map<Integer, List<Route>> bySegments = new java.util.HashMap<>();

    private List<Route> candidates(String[] segments) {
        return bySegments.getOrDefault(segments.length, List.of());
    }

    /** The allocator's metrics, which this API serves at /metrics. */
    public dev.steward.allocator.metrics.AllocatorMetrics metrics() {
        return metrics;
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The route a request names, with its path parameters; or, when none has its method, the answer that says so. */
    private record Match(Route route, Map<String, String> params, ApiResponse refusal) {
    }

    /** Matches a request to its route (recording the route in its trace); a path no route has is an {@link ApiError} 404. */
    private Match match(ApiRequest req) {
        String[] segments = req.path().length() <= 1 ? new String[] {""} : req.path().substring(1).split("/", -1);
        Route found = null;
        Map<String, String> params = null;
        TreeSet<String> allow = new TreeSet<>();
        for (Route r : candidates(segments)) {
            Map<String, String> p = r.match(segments);
            if (p != null) {
                allow.add(r.method());
                if (r.method().equals(req.method())) {
                    found = r;
                    params = p;
                }
            }
        }
        if (found == null) {
            if (allow.isEmpty()) {
                throw new ApiError(404, "Not Found", "no API route at " + req.path() + "; the API is under /v1 (see docs/openapi.yaml)", null);
            }
            req.trace().route(matchedTemplate(segments));
            return new Match(null, null, ApiResponse.problem(405, "Method Not Allowed",
                    req.method() + " is not allowed on " + req.path() + "; allowed: " + String.join(", ", allow), null)
                    .header("Allow", String.join(", ", allow)));
        }
        req.trace().route(found.template());
        req.trace().params(params);
        return new Match(found, params, null);
    }

    /** No such route, no method, no token, an unknown token or one not allowed: each is known from the head alone. */
    @Override
    public ApiResponse refuseEarly(ApiRequest head) {
        try {
            Match m = match(head);
            if (m.refusal() != null) {
                return m.refusal();
            }
            authenticate(head, m.route(), new TokenRecord[1]).join(); // already complete: a hash and a concurrent map
            return null;
        } catch (RuntimeException e) {
            return error(e);
        }
    }

    public CompletableFuture<ApiResponse> handle(ApiRequest req) {
        try {
            Match m = match(req);
            if (m.refusal() != null) {
                return CompletableFuture.completedFuture(m.refusal());
            }
            Route route = m.route();
            Map<String, String> ps = m.params();
            TokenRecord[] used = {null}; // the stored token the request authenticated with, if any
            if (route.streaming()) {
                Principal p = authenticate(req, route, used).join(); // on the server's thread: the handler streams here
                return route.handler().handle(new Route.Call(req, p, ps)).exceptionally(Api::error).thenCompose(r -> kept(used[0], r));
            }
            return authenticate(req, route, used)
                    .thenCompose(p -> route.handler().handle(new Route.Call(req, p, ps)))
                    .exceptionally(Api::error)
                    .thenCompose(r -> kept(used[0], r));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(error(e));
        }
    }

    /** The template of the first route whose path matches (a 405's route, for the log and metrics). */
    private String matchedTemplate(String[] segments) {
        for (Route r : candidates(segments)) {
            if (r.match(segments) != null) {
                return r.template();
            }
        }
        return RequestTrace.UNMATCHED;
    }

    /** Whether the route at this method and path streams its body (so the server must not read it first). */
    public boolean streams(String method, String rawPath) {
        String[] segments = rawPath.length() <= 1 ? new String[] {""} : rawPath.substring(1).split("/", -1);
        for (Route r : candidates(segments)) {
            if (r.streaming() && r.method().equals(method) && r.match(segments) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code r}, once the last use of {@code token} (null: none) is kept when it is due
     * ({@link TokenUseKeeper}): only after an answer below 400, so a refused call writes nothing,
     * and before the answer, so a call's answer comes after every write it caused.
     */
    private CompletableFuture<ApiResponse> kept(TokenRecord token, ApiResponse r) {
        if (token == null || r.status() >= 400) {
            return CompletableFuture.completedFuture(r);
        }
        return keeper.keep(token).handle((x, e) -> r); // a failed write leaves the use in memory, to be written at a later call
    }

    private CompletableFuture<Principal> authenticate(ApiRequest req, Route route, TokenRecord[] used) {
        if (route.allowed().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        String auth = req.header("authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() <= 7) {
            throw new ApiError(401, "Unauthorized", "send a token: 'Authorization: Bearer TOKEN' (the admin token is in the data directory's admin.token"
                    + (route.allowed().contains(Principal.Kind.METRICS) ? "; the metrics token, which reads /metrics only, in its metrics.token)" : ")"), null);
        }
        String hash = Tokens.hash(auth.substring(7).trim());
        byte[] hb = hash.getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Principal> who;
        if (MessageDigest.isEqual(hb, adminHash)) {
            who = CompletableFuture.completedFuture(Principal.ADMIN);
        } else if (joinHash != null && MessageDigest.isEqual(hb, joinHash)) {
            who = CompletableFuture.completedFuture(Principal.JOIN);
        } else if (metricsHash != null && MessageDigest.isEqual(hb, metricsHash)) {
            who = CompletableFuture.completedFuture(Principal.METRICS);
        } else {
            TokenRecord t = tokens.apply(hash); // a concurrent map: every agent's every request is authenticated without a hop to the owner thread
            if (t != null && t.expiresAt() != null && !clock.instant().isBefore(t.expiresAt())) {
                req.trace().principal(principal(t));
                if (t.replacedBy() != null) {
                    throw new ApiError(401, "Unauthorized", "the token was rotated: token " + t.replacedBy() + " replaced it, and it was accepted "
                            + "until " + t.expiresAt() + "; use the new token (the admin has it from 'steward tokens rotate')", null);
                }
                throw new ApiError(401, "Unauthorized", "the token expired at " + t.expiresAt() + "; the admin mints another with 'steward tokens create "
                        + (t.kind() == TokenRecord.Kind.JOIN ? "--join" : t.subject()) + "'", null);
            }
            if (t != null && t.usedUp()) {
                req.trace().principal(principal(t));
                throw new ApiError(401, "Unauthorized", "this join token has joined as many agents as it was minted for; the admin mints another with "
                        + "'steward tokens create --join'", null);
            }
            if (t != null) {
                keeper.used(t, clock.instant(), req.trace().remote());
                used[0] = t;
            }
            who = CompletableFuture.completedFuture(t == null ? null : principal(t));
        }
        return who.thenApply(p -> {
            req.trace().principal(p);
            if (p == null) {
                throw new ApiError(401, "Unauthorized", "the token is not known to this allocator", null);
            }
            if (!route.allowed().contains(p.kind())) {
                throw ApiError.forbidden(p.describe() + " may not " + route.method() + " " + route.template() + "; it takes " + takes(route.allowed()));
            }
            return p;
        });
    }

    /** The principal a stored token stands for: a role, an agent, or a minted join token (named by its id). */
    private static Principal principal(TokenRecord t) {
        return new Principal(switch (t.kind()) {
            case ROLE -> Principal.Kind.ROLE;
            case AGENT -> Principal.Kind.AGENT;
            case JOIN -> Principal.Kind.JOIN;
        }, t.subject());
    }

    /** Whose tokens a route takes, in words: "the admin's token", "a role's token or the admin's token". */
    static String takes(java.util.Set<Principal.Kind> kinds) {
        return String.join(" or ", kinds.stream().map(k -> switch (k) {
            case ADMIN -> "the admin's token";
            case ROLE -> "a role's token";
            case AGENT -> "an agent's token";
            case JOIN -> "the join token";
            case METRICS -> "the metrics token";
        }).toList());
    }

    /** Maps any failure to a response; only a bug in the allocator is a 500. */
    public static ApiResponse error(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ApiError a) {
            return a.response();
        }
        if (e instanceof ValidationException v) {
            return ApiResponse.problem(400, "Bad Request", v.getMessage(), v.field());
        }
        if (e instanceof NotFound) {
            return ApiResponse.problem(404, "Not Found", e.getMessage(), null);
        }
        if (e instanceof dev.steward.allocator.state.Forbidden) {
            return ApiResponse.problem(403, "Forbidden", e.getMessage(), null);
        }
        if (e instanceof Conflict) {
            return ApiResponse.problem(409, "Conflict", e.getMessage(), null);
        }
        if (e instanceof EngineFailed) {
            return ApiResponse.problem(503, "Service Unavailable", e.getMessage(), null);
        }
        if (e instanceof EngineClosed) {
            return ApiResponse.problem(503, "Service Unavailable", e.getMessage(), null).header("Retry-After", "1").header(ApiResponse.NOT_APPLIED, "true");
        }
        if (e instanceof java.util.concurrent.CancellationException) { // a parked query whose client left (ClientDeparture): never written
            return ApiResponse.problem(ApiHandler.CLIENT_GONE, "Client Closed Request", "the client closed its connection before its answer", null);
        }
        LOG.log(Level.SEVERE, "internal error", e);
        return ApiResponse.problem(500, "Internal Server Error", "an internal error occurred: " + e, null);
    }
}
