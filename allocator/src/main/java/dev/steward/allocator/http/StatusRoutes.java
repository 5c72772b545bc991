package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.placement.AgentLedger;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentStatus;
import dev.steward.api.ClusterStatus;
import dev.steward.api.RequestState;
import dev.steward.api.Resources;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** {@code /v1/health} (no token), {@code /v1/status}, {@code /v1/whoami} (who a token is), and {@code /v1/snapshot} (admin: the whole stored state, for {@code steward snapshot save}). */
final class StatusRoutes {
    private final Handlers h;
    /** One snapshot read at a time: each reads the whole database. */
    private static final java.util.concurrent.ExecutorService SNAPSHOTS = new java.util.concurrent.ThreadPoolExecutor(1, 1, 30, java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(4), r -> {
                Thread t = new Thread(r, "steward-snapshot");
                t.setDaemon(true);
                return t;
            });

    StatusRoutes(Handlers h) {
        this.h = h;
    }

    private CompletableFuture<ApiResponse> snapshot() {
        try {
            return CompletableFuture.supplyAsync(() -> {
                dev.steward.allocator.store.Store.Dump d = h.engine.dump(); // read from the store, off the owner thread
                java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
                headers.put("X-Steward-Index", Long.toString(d.index()));
                headers.put("Content-Disposition", "attachment; filename=\"steward-" + d.index() + ".snap\"");
                return new ApiResponse(200, "application/octet-stream", headers, dev.steward.allocator.store.SnapshotFile.write(d));
            }, SNAPSHOTS);
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            throw new ApiError(503, "Service Unavailable", "snapshots are being read already; try again shortly", null);
        }
    }

    List<Route> routes() {
        Set<Kind> anyone = EnumSet.of(Kind.ADMIN, Kind.ROLE, Kind.AGENT);
        return List.of(
                new Route("GET", "/v1/health", Set.of(), c -> CompletableFuture.completedFuture(
                        ApiResponse.json(h.engine.failed() ? 503 : 200, Map.of("status", h.engine.failed() ? "failed" : "ok", "index", h.engine.index())))),
                new Route("GET", "/v1/snapshot", EnumSet.of(Kind.ADMIN), c -> snapshot()),
                new Route("GET", "/v1/whoami", EnumSet.allOf(Kind.class), c -> CompletableFuture.completedFuture(ApiResponse.json(200,
                        Map.of("kind", c.principal().kind().name().toLowerCase(java.util.Locale.ROOT), "subject", c.principal().subject())))),
                new Route("GET", "/v1/status", anyone, c -> h.query(c, s -> {
                    int ready = 0;
                    int lost = 0;
                    int draining = 0;
                    Resources total = Resources.ZERO;
                    Resources used = Resources.ZERO;
                    for (AgentInfo a : s.agents()) {
                        if (a.status() == AgentStatus.LOST) {
                            lost++;
                            continue;
                        }
                        ready++;
                        draining += a.draining() ? 1 : 0;
                        AgentLedger l = s.ledger(a.id());
                        total = total.plus(l.total());
                        used = used.plus(l.used());
                    }
                    int pending = (int) s.requests().stream().filter(r -> r.state() == RequestState.PENDING).count();
                    int live = (int) s.allocations().stream().filter(a -> !a.state().terminal()).count();
                    return new ClusterStatus(s.index(), ready, lost, draining, s.roles().size(), pending, live, total, used);
                })));
    }
}
