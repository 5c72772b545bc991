package dev.steward.allocator.state;

import dev.steward.api.AgentRegistration;
import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.Constraint;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PlacementScenariosTest {
    private final StateFixture f = new StateFixture();

    private static AgentRegistration gpuAgent(String name, int gpus, String model) {
        return new AgentRegistration(name, "32", "128g", "100g", gpus, model, null, "30000-30100", Map.of("rack", "r-" + name));
    }

    private static AllocateRequest gpuAsk(String gpus, String model, int count) {
        return new AllocateRequest(null, null, count, "1", "1g", null, gpus, model, null, null, null, null, null, null, null, null);
    }

    @Test
    void a_pending_request_explains_itself_by_counting_each_reason() {
        f.agent("small-1", "1", "1g");
        f.agent("small-2", "1", "1g");
        f.agent(gpuAgent("gpu-1", 2, "A100"));
        f.state.setDraining(f.agent("big", "64", "256g").id(), true, f.now);
        RequestInfo r = f.request("default", gpuAsk("1", "V100M16|V100M32", 1));
        assertThat(r.state()).isEqualTo(RequestState.PENDING);
        assertThat(r.why().agentsEvaluated()).isEqualTo(4);
        assertThat(r.why().rejections()).containsEntry("draining", 1).containsEntry("GPU model mismatch", 3);
        assertThat(r.why().summary()).isEqualTo("4 agents: 3 GPU model mismatch, 1 draining");
    }

    @Test
    void whole_gpus_take_free_devices_and_shares_fill_the_fullest_device_first() {
        f.agent(gpuAgent("g", 4, "V100M32"));
        AllocationInfo whole = single(f.request("default", gpuAsk("2", "V100M16|V100M32", 1)));
        assertThat(whole.gpuIndexes()).containsExactly(0, 1);
        AllocationInfo s1 = single(f.request("default", gpuAsk("0.5", null, 1)));
        AllocationInfo s2 = single(f.request("default", gpuAsk("0.25", null, 1)));
        assertThat(s1.gpuIndexes()).containsExactly(2);
        assertThat(s2.gpuIndexes()).containsExactly(2); // best fit: the half-used device, keeping device 3 whole
        AllocationInfo w = single(f.request("default", gpuAsk("1", null, 1)));
        assertThat(w.gpuIndexes()).containsExactly(3);
        RequestInfo none = f.request("default", gpuAsk("1", null, 1));
        assertThat(none.why().rejections()).containsEntry("insufficient GPUs", 1);
    }

    @Test
    void named_ports_get_distinct_numbers_from_the_agents_range_and_run_out_with_a_reason() {
        f.agent(new AgentRegistration("p", "64", "64g", null, null, null, null, "20000-20004", null));
        List<String> ports = List.of("http", "admin");
        RequestInfo r = f.request("default", StateFixture.ask("0.1", "64m", 3, null, false, false, ports, null, null));
        assertThat(r.placed()).isEqualTo(2);
        Set<Integer> seen = new HashSet<>();
        for (AllocationInfo a : f.live("default")) {
            assertThat(a.ports()).containsOnlyKeys("http", "admin");
            a.ports().values().forEach(p -> assertThat(p).isBetween(20000, 20004));
            a.ports().values().forEach(p -> assertThat(seen.add(p)).as("port %d handed out twice", p).isTrue());
        }
        assertThat(f.state.request(r.id()).why().summary()).isEqualTo("1 agent: 1 insufficient free ports");
    }

    @Test
    void constraints_filter_on_attributes() {
        f.agent(new AgentRegistration("a", "4", "4g", null, null, null, null, null, Map.of("os", "linux", "zone", "eu-1")));
        f.agent(new AgentRegistration("b", "4", "4g", null, null, null, null, null, Map.of("os", "linux", "zone", "us-1")));
        f.agent(new AgentRegistration("c", "4", "4g", null, null, null, null, null, Map.of("os", "windows", "zone", "eu-2")));
        assertThat(agentOf(List.of(Constraint.eq("os", "windows")))).isEqualTo("c");
        assertThat(agentOf(List.of(new Constraint("zone", "regex", "^us-", null)))).isEqualTo("b");
        assertThat(agentOf(List.of(new Constraint("zone", "in", "eu-1, eu-9", null)))).isEqualTo("a");
        assertThat(agentOf(List.of(new Constraint("os", "!=", "linux", null)))).isEqualTo("c");
        RequestInfo none = f.request("default", StateFixture.ask("1", "1g", 1, null, false, false, null, List.of(Constraint.eq("os", "plan9")), null));
        assertThat(none.why().summary()).isEqualTo("3 agents: 3 constraint not met: os = plan9");
    }

    private String agentOf(List<Constraint> cs) {
        return single(f.request("default", StateFixture.ask("0.1", "64m", 1, null, false, false, null, cs, null))).agentName();
    }

    @Test
    void distinct_puts_each_allocation_of_a_request_on_another_agent() {
        for (int i = 0; i < 3; i++) {
            f.agent("m" + i, "8", "8g");
        }
        RequestInfo r = f.request("default", StateFixture.ask("1", "1g", 4, null, false, false, null, List.of(Constraint.distinct()), null));
        assertThat(r.placed()).isEqualTo(3);
        assertThat(f.live("default").stream().map(AllocationInfo::agentId).distinct()).hasSize(3);
        assertThat(r.why().rejections()).containsEntry("distinct constraint: already used by this request", 3);
    }

    @Test
    void binpack_fills_one_agent_and_spread_uses_them_all() {
        StateFixture other = new StateFixture();
        for (int i = 0; i < 3; i++) {
            f.agent("m" + i, "8", "8g");
            other.agent("m" + i, "8", "8g");
        }
        f.request("default", StateFixture.ask("1", "1g", 3, null, false, false, null, null, null));
        assertThat(f.live("default").stream().map(AllocationInfo::agentId).distinct()).hasSize(1);
        AllocateRequest spread = new AllocateRequest(null, "s", 3, "1", "1g", null, null, null, null, null, null, "spread", null, null, null, null);
        other.request("default", spread);
        assertThat(other.live("default").stream().map(AllocationInfo::agentId).distinct()).hasSize(3);
    }

    @Test
    void a_gang_is_placed_whole_or_not_at_all() {
        f.agent("m0", "4", "4g");
        f.agent("m1", "4", "4g");
        RequestInfo big = f.request("default", StateFixture.ask("3", "1g", 3, null, false, true, null, null, null));
        assertThat(big.placed()).isZero();
        assertThat(f.live("default")).isEmpty();
        assertThat(big.why().summary()).startsWith("gang of 3: only 2 fit at once");
        RequestInfo fits = f.request("default", StateFixture.ask("2", "1g", 4, null, false, true, null, null, null));
        assertThat(fits.state()).isEqualTo(RequestState.PLACED);
        assertThat(f.live("default")).hasSize(4);
    }

    @Test
    void higher_priority_evicts_the_fewest_lowest_preemptible_allocations_and_the_holders_see_why() {
        f.agent("m0", "4", "4g");
        f.agent("m1", "4", "4g");
        f.role("farm", 1, null, null);
        f.role("svc", 1, null, null);
        f.request("farm", StateFixture.ask("1", "1g", 4, 10, true, false, null, null, null));   // m0 full of 1-cpu executors, priority 10
        f.request("farm", StateFixture.ask("2", "1g", 2, 20, true, false, null, null, null));   // m1 full of 2-cpu executors, priority 20
        RequestInfo svc = f.request("svc", StateFixture.ask("2", "1g", 1, 90, false, false, null, null, null));
        assertThat(svc.state()).isEqualTo(RequestState.PLACED);
        List<AllocationInfo> evicted = f.inState(AllocationState.PREEMPTED);
        assertThat(evicted).hasSize(1);                          // one 2-cpu executor (fewest) beats two 1-cpu ones
        assertThat(evicted.get(0).reason()).contains("preempted by request " + svc.id()).contains("priority 90");
        AllocationInfo taker = f.state.allocation(svc.allocations().get(0)); // and the one placed names whose room it took
        assertThat(taker.preempted()).containsExactly(evicted.get(0).id());
        assertThat(taker.reason()).endsWith(", in the room of 1 preempted allocation: " + evicted.get(0).id() + " (role 'farm', priority 20)");
        RequestInfo low = f.request("svc", StateFixture.ask("4", "1g", 1, 5, false, false, null, null, null));
        assertThat(low.state()).as("priority 5 may not evict priority 10 or 20").isEqualTo(RequestState.PENDING);
    }

    @Test
    void non_preemptible_allocations_are_never_evicted() {
        f.agent("m0", "2", "2g");
        f.request("default", StateFixture.ask("2", "1g", 1, 0, false, false, null, null, null));
        RequestInfo hi = f.request("default", StateFixture.ask("1", "1g", 1, 1000, false, false, null, null, null));
        assertThat(hi.state()).isEqualTo(RequestState.PENDING);
        assertThat(f.inState(AllocationState.PREEMPTED)).isEmpty();
    }

    private AllocationInfo single(RequestInfo r) {
        assertThat(r.allocations()).as("placement of %s: %s", r.id(), r.why()).hasSize(1);
        return f.state.allocation(r.allocations().get(0));
    }
}
