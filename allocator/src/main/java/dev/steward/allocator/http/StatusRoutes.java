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

/** {@code /v1/health} (no token) and {@code /v1/status}. */
final class StatusRoutes {
    private final Handlers h;

    StatusRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        Set<Kind> anyone = EnumSet.of(Kind.ADMIN, Kind.ROLE, Kind.AGENT);
        return List.of(
                new Route("GET", "/v1/health", Set.of(), c -> CompletableFuture.completedFuture(
                        ApiResponse.json(h.engine.failed() ? 503 : 200, Map.of("status", h.engine.failed() ? "failed" : "ok", "index", h.engine.index())))),
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
