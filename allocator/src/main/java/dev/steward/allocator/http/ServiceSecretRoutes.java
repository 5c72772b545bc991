package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.deploy.ServiceSecrets;
import dev.steward.allocator.deploy.Services;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.SecretValue;
import dev.steward.api.Validation;

import java.util.EnumSet;
import java.util.List;

/**
 * Service secrets: {@code GET /v1/services/APP/ENV/secrets} lists them (names, versions, who set
 * them and when, which revisions use them; never a value), {@code PUT .../secrets/NAME} sets one
 * from {@code {"value": "..."}}, {@code DELETE .../secrets/NAME} deletes one (a 409 while a revision
 * that may run uses it). A role token reaches its own role's secrets, and none at all of a
 * service another role owns (404, as every route of that service answers it). The admin reaches
 * every role's: the list shows each with its role; a change is for {@code ?role=}, by default
 * the service's role, or the default role for a service not made yet. The list of a service
 * that does not exist and has no secret the caller sees is a 404, as a read of the service is.
 */
final class ServiceSecretRoutes {
    private final Handlers h;

    ServiceSecretRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        java.util.Set<Kind> clients = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        String base = "/v1/services/{app}/{env}/secrets";
        return List.of(
                new Route("GET", base, clients, c -> h.query(c, s -> {
                    String service = service(c);
                    String asked = c.request().param("role");
                    var list = s.services().secrets().list(c.principal().kind() == Kind.ADMIN && asked == null ? null : role(c, s, service), service);
                    if (list.isEmpty() && s.services().recordOrNull(service) == null) {
                        throw new NotFound("service or secret of", service); // nothing of that name, as a read of the service says
                    }
                    return list;
                })),
                new Route("PUT", base + "/{name}", clients, c -> {
                    String value = h.body(c, SecretValue.class).checked();
                    String name = Validation.secretName("name", c.param("name"));
                    return h.engine.command((s, now) -> {
                        String service = service(c);
                        String role = role(c, s, service);
                        boolean made = s.services().secrets().recordOrNull(ServiceSecrets.id(role, service, name)) == null;
                        return new Set(made, s.services().secrets().set(role, service, name, value, c.principal().describe(), now));
                    }).thenApply(r -> ApiResponse.json(r.made() ? 201 : 200, r.info()) // encoded here, off the state's thread
                            .header("X-Steward-Index", Long.toString(h.engine.index())));
                }),
                new Route("DELETE", base + "/{name}", clients, c -> h.command(200, (s, now) -> {
                    String service = service(c);
                    return s.services().secrets().delete(role(c, s, service), service, c.param("name"));
                })));
    }

    /** What a set did: made the secret (201) or not (200), and the secret as it is now. */
    private record Set(boolean made, dev.steward.api.SecretInfo info) {
    }

    private static String service(Route.Call c) {
        return Services.name(c.param("app"), c.param("env"));
    }

    /**
     * The role whose secrets the call reaches: a role token's own, unless another role owns the
     * service (then the service is not there, as for its other routes); the admin's {@code ?role=},
     * else the service's role, else the default one.
     */
    private static String role(Route.Call c, ClusterState s, String service) {
        Principal p = c.principal();
        String owner = s.services().roleOf(service);
        String asked = c.request().param("role");
        if (p.kind() == Kind.ROLE) {
            if (owner != null && !owner.equals(p.subject())) {
                throw new NotFound("service", service);
            }
            if (asked != null && !asked.equals(p.subject())) {
                throw ApiError.forbidden(p.describe() + " may not reach the secrets of role '" + asked + "'");
            }
            return p.subject();
        }
        if (asked != null) {
            if (s.role(Validation.name("role", asked)) == null) {
                throw new NotFound("role", asked);
            }
            return asked;
        }
        return owner != null ? owner : ClusterState.DEFAULT_ROLE;
    }
}
