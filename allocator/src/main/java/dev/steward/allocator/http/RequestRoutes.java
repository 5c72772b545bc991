package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.state.ClusterState;
import dev.steward.api.AllocateRequest;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.ValidationException;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Requests: submit (a role for itself, the admin for any role), list, read with why-pending, cancel. */
final class RequestRoutes {
    private final Handlers h;

    RequestRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        Set<Kind> clients = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        return List.of(
                new Route("POST", "/v1/requests", clients, c -> {
                    AllocateRequest req = h.body(c, AllocateRequest.class);
                    req.parseNew();
                    String role = roleOf(c.principal(), req.role());
                    // the scheduler runs right after the command: read the request back to show its placement
                    return h.engine.command((s, now) -> s.submitFromClient(role, req, now).id())
                            .thenCompose(id -> h.engine.read(s -> new Object[] {s.index(), s.request(id)}))
                            .thenApply(r -> ApiResponse.json(201, r[1]).header("Location", "/v1/requests/" + ((RequestInfo) r[1]).id())
                                    .header("X-Steward-Index", Long.toString((Long) r[0])));
                }),
                new Route("GET", "/v1/requests", clients, c -> {
                    RequestState st = Handlers.enumParam("state", c.request().param("state"), RequestState.class);
                    String role = c.request().param("role");
                    return h.queryInParts(c, s -> s.requests().toArray(new RequestInfo[0]), all -> java.util.Arrays.stream(all)
                            .filter(r -> visible(c.principal(), r.role()))
                            .filter(r -> role == null || r.role().equals(role))
                            .filter(r -> st == null || r.state() == st).toList());
                }),
                new Route("GET", "/v1/requests/{id}", clients, c -> h.query(c, s -> mine(c.principal(), s, c.param("id")))),
                new Route("DELETE", "/v1/requests/{id}", clients, c -> h.command(200, (s, now) -> {
                    mine(c.principal(), s, c.param("id"));
                    return s.cancel(c.param("id"), now);
                })));
    }

    /** The role a request is for: a role token's own (naming another is refused); the admin's choice, or the default role. */
    static String roleOf(Principal p, String asked) {
        if (p.kind() == Kind.ROLE) {
            if (asked != null && !asked.equals(p.subject())) {
                throw new ValidationException("role", "this token acts for role '" + p.subject() + "', not '" + asked + "'");
            }
            return p.subject();
        }
        return asked == null ? ClusterState.DEFAULT_ROLE : asked;
    }

    static boolean visible(Principal p, String role) {
        return p.isAdmin() || p.subject().equals(role);
    }

    static RequestInfo mine(Principal p, ClusterState s, String id) {
        RequestInfo r = s.request(id);
        if (!visible(p, r.role())) {
            throw new dev.steward.allocator.state.NotFound("request", id);
        }
        return r;
    }
}
