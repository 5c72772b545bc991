package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.auth.Tokens;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentJoined;
import dev.steward.api.AgentRegistration;
import dev.steward.api.AllocationInfo;
import dev.steward.api.Heartbeat;
import dev.steward.api.ValidationException;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Agents: join, update, heartbeat, drain and enable, forget a lost one, list, and the allocations an agent must run. */
final class AgentRoutes {
    private final Handlers h;

    AgentRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        Set<Kind> anyone = EnumSet.of(Kind.ADMIN, Kind.ROLE, Kind.AGENT);
        Set<Kind> agentOrAdmin = EnumSet.of(Kind.ADMIN, Kind.AGENT);
        Set<Kind> admin = EnumSet.of(Kind.ADMIN);
        return List.of(
                new Route("POST", "/v1/agents", EnumSet.of(Kind.JOIN, Kind.ADMIN), c -> {
                    AgentRegistration.AgentSpec spec = h.body(c, AgentRegistration.class).parse();
                    String token = Tokens.mint("sta");
                    dev.steward.allocator.auth.Principal p = c.principal();
                    String minted = p.kind() == Kind.JOIN && !p.isStaticJoin() ? p.subject() : null; // used up by one with the join itself
                    String from = c.request().trace().remote(); // kept with the agent: where a join with a leaked token came from
                    return h.agentCommand(201, (s, now) -> new AgentJoined(Handlers.view(s, s.registerAgent(spec, Tokens.hash(token), minted, from, now)),
                            token));
                }),
                new Route("GET", "/v1/agents", anyone, c -> h.queryInParts(c, AgentHeld::all, Handlers::views)),
                new Route("GET", "/v1/agents/{id}", anyone, c -> h.query(c, s -> Handlers.view(s, s.agent(c.param("id"))))),
                new Route("PUT", "/v1/agents/{id}", agentOrAdmin, c -> {
                    Handlers.requireAgent(c.principal(), c.param("id"));
                    AgentRegistration.AgentSpec spec = h.body(c, AgentRegistration.class).parse();
                    return h.agentCommand(200, (s, now) -> {
                        if (!s.agent(c.param("id")).name().equals(spec.name())) {
                            throw new ValidationException("name", "an agent cannot change its name; register a new agent instead");
                        }
                        return Handlers.view(s, s.updateAgent(c.param("id"), spec, now));
                    });
                }),
                new Route("PUT", "/v1/agents/{id}/heartbeat", agentOrAdmin, c -> {
                    Handlers.requireAgent(c.principal(), c.param("id"));
                    Heartbeat hb = h.optionalBody(c, Heartbeat.class, new Heartbeat(null)).validate(); // at most 10,000 figures: two per running task
                    java.time.Instant at = h.clock.instant();
                    if (h.heartbeats.offer(c.param("id"), hb.usage(), hb.busyPorts(), at)) { // a ready agent: kept in memory, folded in by the ticker
                        return java.util.concurrent.CompletableFuture.completedFuture(ApiResponse.json(200,
                                java.util.Map.of("id", c.param("id"), "status", "READY", "lastHeartbeat", at)));
                    }
                    return h.agentCommand(200, (s, now) -> Handlers.view(s, s.heartbeat(c.param("id"), hb.usage(), hb.busyPorts(), now)));
                }),
                new Route("POST", "/v1/agents/{id}/drain", admin, c -> {
                    java.time.Duration deadline = h.optionalBody(c, dev.steward.api.DrainRequest.class, new dev.steward.api.DrainRequest(null)).parse();
                    return h.command(200, (s, now) -> Handlers.view(s, s.drain(c.param("id"), deadline, now)));
                }),
                new Route("POST", "/v1/agents/{id}/enable", admin,
                        c -> h.command(200, (s, now) -> Handlers.view(s, s.setDraining(c.param("id"), false, now)))),
                new Route("DELETE", "/v1/agents/{id}", admin, c -> h.command(200, (s, now) -> {
                    AgentInfo gone = s.forgetAgent(c.param("id"));
                    return java.util.Map.of("id", gone.id(), "name", gone.name(), "forgotten", true);
                })),
                new Route("GET", "/v1/agents/{id}/allocations", agentOrAdmin, c -> {
                    Handlers.requireAgent(c.principal(), c.param("id"));
                    return h.query(c, s -> {
                        s.agent(c.param("id"));
                        return s.allocations().stream().filter(a -> a.agentId().equals(c.param("id")))
                                .sorted(Comparator.comparingLong(AllocationInfo::createIndex)).toList();
                    });
                }));
    }

}
