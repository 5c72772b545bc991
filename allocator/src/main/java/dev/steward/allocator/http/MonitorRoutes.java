package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.deploy.Services;
import dev.steward.allocator.monitor.MonitorRunner;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import dev.steward.monitor.HtmlReport;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * Monitors: {@code POST /v1/services/APP/ENV/monitors} starts one; its report is a blocking
 * query ({@code GET /v1/monitors/ID}), also as a self-contained HTML page ({@code .../report});
 * {@code POST /v1/monitors/ID/stop} ends it inconclusive.
 */
final class MonitorRoutes {
    private final Handlers h;
    private final MonitorRunner runner;

    MonitorRoutes(Handlers h, MonitorRunner runner) {
        this.h = h;
        this.runner = runner;
    }

    List<Route> routes() {
        Set<Kind> clients = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        return List.of(
                new Route("POST", "/v1/services/{app}/{env}/monitors", clients, c -> {
                    MonitorSpec spec = h.body(c, MonitorSpec.class);
                    MonitorRunner.check(spec);
                    String name = Services.name(c.param("app"), c.param("env"));
                    return h.engine.read(s -> {
                        mine(c, s, name);
                        return null;
                    }).thenApplyAsync(x -> ApiResponse.json(201, runner.start(name, spec, c.principal().describe())));
                }),
                new Route("GET", "/v1/services/{app}/{env}/monitors", clients, c -> h.query(c, s -> {
                    String name = Services.name(c.param("app"), c.param("env"));
                    mine(c, s, name);
                    return s.monitors().of(name);
                })),
                new Route("GET", "/v1/monitors", clients, c -> h.query(c, s -> s.monitors().running().stream()
                        .filter(r -> Handlers.visible(c.principal(), s.services().record(r.service()).role(), "")).toList())),
                new Route("GET", "/v1/monitors/{id}", clients, c -> h.query(c, s -> monitor(c, s))),
                new Route("GET", "/v1/monitors/{id}/report", clients, c -> h.engine.read(s -> monitor(c, s)).thenApply(r ->
                        new ApiResponse(200, "text/html; charset=utf-8", new LinkedHashMap<>(), HtmlReport.render(r).getBytes(StandardCharsets.UTF_8)))),
                new Route("POST", "/v1/monitors/{id}/stop", clients, c -> h.engine.read(s -> monitor(c, s))
                        .thenApplyAsync(r -> ApiResponse.json(200, runner.stop(r.id(), c.principal().describe())))));
    }

    private static void mine(Route.Call c, ClusterState s, String name) {
        if (!Handlers.visible(c.principal(), s.services().record(name).role(), "")) {
            throw new NotFound("service", name);
        }
    }

    private static MonitorReport monitor(Route.Call c, ClusterState s) {
        MonitorReport r = s.monitors().get(c.param("id"));
        mine(c, s, r.service());
        return r;
    }
}
