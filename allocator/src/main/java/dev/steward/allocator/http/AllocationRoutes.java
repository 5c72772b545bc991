package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.Limits;
import dev.steward.api.RenewRequest;
import dev.steward.api.Units;
import dev.steward.api.ValidationException;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Allocations: list and read (with history), renew the lease, release (idempotent). */
final class AllocationRoutes {
    private final Handlers h;

    AllocationRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        Set<Kind> readers = EnumSet.of(Kind.ADMIN, Kind.ROLE, Kind.AGENT);
        Set<Kind> holders = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        return List.of(
                new Route("GET", "/v1/allocations", readers, c -> {
                    String role = c.request().param("role");
                    String agent = c.request().param("agent");
                    String request = c.request().param("request");
                    AllocationState st = Handlers.enumParam("state", c.request().param("state"), AllocationState.class);
                    // the owner thread copies the references; the filters run on the thread that answers
                    return h.queryInParts(c, s -> s.allocations().toArray(new AllocationInfo[0]), all -> java.util.Arrays.stream(all)
                            .filter(a -> visible(c.principal(), a))
                            .filter(a -> role == null || a.role().equals(role))
                            .filter(a -> agent == null || a.agentId().equals(agent))
                            .filter(a -> request == null || a.requestId().equals(request))
                            .filter(a -> st == null || a.state() == st).toList());
                }),
                new Route("GET", "/v1/allocations/{id}", readers, c -> h.query(c, s -> mine(c.principal(), s, c.param("id")))),
                new Route("POST", "/v1/allocations/{id}/renew", holders, c -> {
                    RenewRequest rr = h.optionalBody(c, RenewRequest.class, new RenewRequest(null));
                    Duration ttl = rr.ttl() == null ? null : Units.duration("ttl", rr.ttl());
                    if (ttl != null && (ttl.compareTo(Limits.MIN_TTL) < 0 || ttl.compareTo(Limits.MAX_TTL) > 0)) {
                        throw new ValidationException("ttl", "is " + Units.format(ttl) + "; it must be from 1s to 30d");
                    }
                    return h.command(200, (s, now) -> {
                        mine(c.principal(), s, c.param("id"));
                        return s.renew(c.param("id"), ttl, now);
                    });
                }),
                new Route("POST", "/v1/allocations/{id}/release", holders, c -> h.command(200, (s, now) -> {
                    mine(c.principal(), s, c.param("id"));
                    return s.release(c.param("id"), c.principal().describe(), now);
                })));
    }

    static boolean visible(Principal p, AllocationInfo a) {
        return Handlers.visible(p, a.role(), a.agentId());
    }

    static AllocationInfo mine(Principal p, ClusterState s, String id) {
        AllocationInfo a = s.allocation(id);
        if (!visible(p, a)) {
            throw new NotFound("allocation", id);
        }
        return a;
    }
}
