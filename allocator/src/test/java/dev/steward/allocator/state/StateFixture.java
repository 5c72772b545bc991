package dev.steward.allocator.state;

import dev.steward.api.AgentRegistration;
import dev.steward.api.AgentInfo;
import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.Constraint;
import dev.steward.api.RequestInfo;
import dev.steward.api.ResourceAmounts;
import dev.steward.api.RoleSpec;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Builds cluster states for tests: agents, roles and requests in a few words, with a clock the test moves. */
public final class StateFixture {
    public final ClusterState state;
    public Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicLong ids = new AtomicLong();

    public StateFixture() {
        this(StateConfig.DEFAULTS);
    }

    public StateFixture(StateConfig config) {
        state = new ClusterState(config, () -> "id" + ids.incrementAndGet());
        role(ClusterState.DEFAULT_ROLE, 1.0, null, null);
        state.commit();
    }

    public AgentInfo agent(String name, String cpus, String memory) {
        return agent(new AgentRegistration(name, cpus, memory, null, null, null, null, null, null));
    }

    public AgentInfo agent(AgentRegistration reg) {
        AgentInfo a = state.registerAgent(reg.parse(), "hash-" + reg.name(), now);
        state.commit();
        return a;
    }

    public void role(String name, double weight, ResourceAmounts guarantee, ResourceAmounts limit) {
        state.putRole(name, new RoleSpec(weight, guarantee, limit).parse());
        state.commit();
    }

    public RequestInfo request(String role, AllocateRequest req) {
        req.parse();
        RequestInfo r = state.submit(role, req, now);
        state.schedule(now);
        state.commit();
        return state.request(r.id());
    }

    /** Submits without running the scheduler, so several requests can be pending at once. */
    public RequestInfo submit(String role, String cpus, String memory, int count) {
        RequestInfo r = state.submit(role, AllocateRequest.of(cpus, memory, count), now);
        state.commit();
        return r;
    }

    public void schedule() {
        state.schedule(now);
        state.commit();
    }

    public RequestInfo request(String role, String cpus, String memory, int count) {
        return request(role, AllocateRequest.of(cpus, memory, count));
    }

    public static AllocateRequest ask(String cpus, String memory, int count, Integer priority, boolean preemptible, boolean gang,
                                      List<String> ports, List<Constraint> constraints, String ttl) {
        return new AllocateRequest(null, null, count, cpus, memory, null, null, null, ports, null, constraints, null, priority, preemptible, gang, ttl);
    }

    public List<AllocationInfo> live(String role) {
        return state.allocations().stream().filter(a -> a.role().equals(role) && !a.state().terminal()).toList();
    }

    public List<AllocationInfo> inState(AllocationState s) {
        return state.allocations().stream().filter(a -> a.state() == s).toList();
    }

    public void tick() {
        state.tick(now);
        state.schedule(now);
        state.commit();
    }

    public void advance(java.time.Duration d) {
        now = now.plus(d);
    }

    public static ResourceAmounts amounts(String cpus, String memory) {
        return new ResourceAmounts(cpus, memory, null, null, (Map<String, Long>) null);
    }
}
