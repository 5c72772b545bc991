package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.deploy.Services;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.RestartRequest;
import dev.steward.api.ServiceInfo;
import dev.steward.api.ValidationException;

import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Services and deployments: {@code PUT /v1/services/APP/ENV} deploys (or promotes, or scales, or
 * says it is a no-op); reads of services, revisions, instances, endpoints (discovery) and
 * deployments are blocking queries; a deployment's events are a stream read with
 * {@code ?after=SEQ&index=&wait=}; pause, resume, promote, abort and rollback act on them;
 * {@code POST .../restart} replaces every instance of a service by a fresh one of what it runs,
 * {@code POST .../instances/ID/restart} one of them.
 * {@code DELETE /v1/services/APP/ENV} deletes a service: 202 while its instances stop (it then
 * shows {@code deletingSince}), 200 once it is gone; a GET answers 404 from then on.
 */
final class ServiceRoutes {
    private final Handlers h;
    private final PlanGate plans = new PlanGate();

    ServiceRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        Set<Kind> clients = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        String svc = "/v1/services/{app}/{env}";
        return List.of(
                new Route("GET", "/v1/services", clients, c -> h.query(c, s -> s.services().list().stream()
                        .filter(i -> Handlers.visible(c.principal(), i.role(), "")).toList())),
                new Route("PUT", svc, clients, c -> {
                    DeployRequest req = h.body(c, DeployRequest.class);
                    String role = role(c.principal(), req.role());
                    return h.engine.command((s, now) -> {
                        hidden(c, s, Services.name(c.param("app"), c.param("env"))); // another role's service is not there, for every method
                        if (req.promoteFrom() != null) {
                            hidden(c, s, Services.name(c.param("app"), req.promoteFrom())); // a promotion reads its source: only one the caller may read
                        }
                        PackageAccess.require(c.principal(), s, req.packageDigest());
                        return s.services().deploy(c.param("app"), c.param("env"), role, req, who(c.principal()), now);
                    })
                            .thenApply(r -> ApiResponse.json(r.deployment() != null && !r.noop() ? 201 : 200, r)
                                    .header("X-Steward-Index", Long.toString(h.engine.index())));
                }),
                new Route("POST", svc + "/plan", clients, this::plan),
                new Route("POST", svc + "/rollback/plan", clients, this::planRollback),
                new Route("POST", svc + "/restart/plan", clients, c -> {
                    RestartRequest req = h.optionalBody(c, RestartRequest.class, EMPTY_RESTART);
                    return gated(c, s -> s.services().planRestart(mine(c, s), req));
                }),
                new Route("GET", svc, clients, c -> h.query(c, s -> s.services().info(mine(c, s)))),
                new Route("DELETE", svc, clients, c -> h.engine.command((s, now) -> {
                    String name = mine(c, s);
                    ServiceInfo before = s.services().info(name);
                    boolean gone = s.services().delete(name, who(c.principal()), now);
                    return gone ? ApiResponse.json(200, deleted(before, now)) : ApiResponse.json(202, s.services().info(name));
                }).thenApply(r -> r.header("X-Steward-Index", Long.toString(h.engine.index())))),
                new Route("GET", svc + "/revisions", clients, c -> h.query(c, s -> s.services().revisionsOf(mine(c, s)))),
                new Route("GET", svc + "/instances", clients, c -> h.query(c, s -> s.services().instancesOf(mine(c, s)))),
                new Route("GET", svc + "/endpoints", clients, c -> h.query(c, s -> s.services().endpoints(mine(c, s)))),
                new Route("GET", svc + "/deployments", clients, c -> h.query(c, s -> s.services().deploymentsOf(mine(c, s)))),
                new Route("POST", svc + "/rollback", clients, c -> {
                    Map<?, ?> body = h.optionalBody(c, Map.class, Map.of());
                    Integer to = revisionField(body.get("revision"));
                    return h.command(201, (s, now) -> s.services().rollback(mine(c, s), to, who(c.principal()), now));
                }),
                new Route("POST", svc + "/restart", clients, c -> {
                    RestartRequest req = h.optionalBody(c, RestartRequest.class, EMPTY_RESTART);
                    return h.command(201, (s, now) -> s.services().restart(mine(c, s), req, who(c.principal()), now));
                }),
                new Route("POST", svc + "/instances/{id}/restart", clients, c -> {
                    RestartRequest req = h.optionalBody(c, RestartRequest.class, EMPTY_RESTART);
                    if (req.overridesBounds()) {
                        throw new ValidationException(req.maxSurge() != null ? "maxSurge" : "maxUnavailable", "applies to the restart of a whole service; "
                                + "one instance is restarted as a drain moves it: a fresh one beside it, then it stops");
                    }
                    return h.command(202, (s, now) -> s.services().restartInstance(mine(c, s), c.param("id"), req.check().reason(),
                            req.actor() != null ? req.actor() + " (" + who(c.principal()) + ")" : who(c.principal()), now));
                }),
                new Route("GET", "/v1/deployments/{id}", clients, c -> h.query(c, s -> deployment(c, s))),
                new Route("GET", "/v1/deployments/{id}/events", clients, c -> {
                    long after = after(c.request().param("after"));
                    return h.query(c, s -> deployment(c, s).events().stream().filter(e -> e.seq() > after).toList());
                }),
                new Route("POST", "/v1/deployments/{id}/pause", clients, c -> h.command(200, (s, now) -> {
                    deployment(c, s);
                    return s.services().pause(c.param("id"), who(c.principal()), now);
                })),
                new Route("POST", "/v1/deployments/{id}/resume", clients, c -> h.command(200, (s, now) -> {
                    deployment(c, s);
                    return s.services().resume(c.param("id"), who(c.principal()), false, now);
                })),
                new Route("POST", "/v1/deployments/{id}/promote", clients, c -> h.command(200, (s, now) -> {
                    deployment(c, s);
                    return s.services().resume(c.param("id"), who(c.principal()), true, now);
                })),
                new Route("POST", "/v1/deployments/{id}/abort", clients, c -> h.command(200, (s, now) -> {
                    deployment(c, s);
                    return s.services().abort(c.param("id"), who(c.principal()), now);
                })));
    }

    private static final RestartRequest EMPTY_RESTART = new RestartRequest(null, null, null, null);

    /** What a delete that finished at once answers: the service as it was, marked deleted, nothing running. */
    private static ServiceInfo deleted(ServiceInfo s, java.time.Instant now) {
        return new ServiceInfo(s.name(), s.app(), s.env(), s.role(), 0, s.revision(), s.stableRevision(), s.activeRevision(), null, 0, 0, 0, s.createdAt(), now,
                s.createIndex(), s.modifyIndex(), s.deletingSince() != null ? s.deletingSince() : now, null, s.priority(), s.replacements(), null);
    }

    private static String role(Principal p, String asked) {
        if (p.kind() == Kind.ROLE) {
            if (asked != null && !asked.equals(p.subject())) {
                throw ApiError.forbidden(p.describe() + " may not deploy for role '" + asked + "'");
            }
            return p.subject();
        }
        return asked == null ? ClusterState.DEFAULT_ROLE : asked;
    }

    private static String who(Principal p) {
        return p.describe();
    }

    /**
     * Refuses with 404, as a read would, a service that exists but belongs to a role the caller
     * cannot see: a write must not reveal what a read hides. An absent service passes (a deploy
     * creates it; a promotion's missing source is the command's own error).
     */
    /** A deploy's plan: a read, with the deploy's own checks. */
    private CompletableFuture<ApiResponse> plan(Route.Call c) {
        DeployRequest req = h.body(c, DeployRequest.class);
        String role = role(c.principal(), req.role());
        return gated(c, s -> {
            hidden(c, s, Services.name(c.param("app"), c.param("env"))); // the same checks as the deploy's, and no more to learn from
            if (req.promoteFrom() != null) {
                hidden(c, s, Services.name(c.param("app"), req.promoteFrom()));
            }
            PackageAccess.require(c.principal(), s, req.packageDigest());
            return s.services().plan(c.param("app"), c.param("env"), role, req, h.clock.instant());
        });
    }

    /** A rollback's plan: a read, with the rollback's own checks. */
    private CompletableFuture<ApiResponse> planRollback(Route.Call c) {
        Map<?, ?> body = h.optionalBody(c, Map.class, Map.of());
        Integer to = revisionField(body.get("revision"));
        return gated(c, s -> s.services().planRollback(mine(c, s), to));
    }

    /**
     * A plan worked out on the owner thread as a read, never parked (no {@code ?index} wait), so
     * it holds its place only while it is worked out: at most {@link PlanGate#MAX} at once, since
     * each places instances there.
     */
    private CompletableFuture<ApiResponse> gated(Route.Call c, java.util.function.Function<ClusterState, dev.steward.api.DeployPlan> work) {
        String caller = c.principal().kind() + ":" + c.principal().subject();
        if (!plans.take(caller)) {
            return CompletableFuture.completedFuture(ApiResponse.problem(503, "Service Unavailable", "too many deploy plans at once (" + PlanGate.MAX
                    + " at most, " + PlanGate.PER_CALLER + " per caller: each places instances on the allocator's state thread); try again shortly", null)
                    .header("Retry-After", "1"));
        }
        CompletableFuture<ApiResponse> planned;
        try {
            planned = h.engine.clientRead(s -> ApiResponse.json(200, work.apply(s)).header("X-Steward-Index", Long.toString(s.index())));
        } catch (RuntimeException e) {
            plans.give(caller);
            throw e;
        }
        return planned.whenComplete((r, e) -> plans.give(caller));
    }

    private static void hidden(Route.Call c, ClusterState s, String name) {
        String owner = s.services().roleOf(name);
        if (owner != null && !Handlers.visible(c.principal(), owner, "")) {
            throw new NotFound("service", name);
        }
    }

    /** The service named in the path, if the caller may see it. */
    private static String mine(Route.Call c, ClusterState s) {
        String name = Services.name(c.param("app"), c.param("env"));
        if (!Handlers.visible(c.principal(), s.services().record(name).role(), "")) {
            throw new NotFound("service", name);
        }
        return name;
    }

    private static DeploymentInfo deployment(Route.Call c, ClusterState s) {
        DeploymentInfo d = s.services().deployment(c.param("id"));
        if (!Handlers.visible(c.principal(), s.services().record(d.service()).role(), "")) {
            throw new NotFound("deployment", c.param("id"));
        }
        return d;
    }

    private static Integer revisionField(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Integer i && i > 0) {
            return i;
        }
        throw new ValidationException("revision", "'" + v + "' is not a revision number");
    }

    private static long after(String text) {
        if (text == null) {
            return 0;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ValidationException("after", "'" + text + "' is not a whole number");
        }
    }
}
