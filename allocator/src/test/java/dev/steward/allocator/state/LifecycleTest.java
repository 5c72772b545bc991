package dev.steward.allocator.state;

import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleTest {
    private final StateFixture f = new StateFixture();

    @Test
    void a_lease_expires_without_renewal_frees_its_resources_and_says_so_in_its_history() {
        StateFixture f = new StateFixture(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofHours(1)));
        f.agent("m", "1", "1g");
        RequestInfo r = f.request("default", StateFixture.ask("1", "1g", 1, null, false, false, null, null, "30s"));
        RequestInfo waiting = f.request("default", "1", "1g", 1);
        assertThat(waiting.state()).isEqualTo(RequestState.PENDING);
        f.advance(Duration.ofSeconds(20));
        f.state.renew(r.allocations().get(0), null, f.now);   // renewed for another 30s from now
        f.state.commit();
        f.advance(Duration.ofSeconds(20));
        f.tick();
        assertThat(f.state.allocation(r.allocations().get(0)).state()).isEqualTo(AllocationState.ALLOCATED);
        f.advance(Duration.ofSeconds(11));
        f.tick();
        AllocationInfo a = f.state.allocation(r.allocations().get(0));
        assertThat(a.state()).isEqualTo(AllocationState.EXPIRED);
        assertThat(a.history()).extracting(h -> h.event()).containsExactly("ALLOCATED", "RENEWED", "EXPIRED");
        assertThat(f.state.request(waiting.id()).state()).as("the freed cpu goes to the waiting request").isEqualTo(RequestState.PLACED);
    }

    @Test
    void release_is_idempotent_and_renewing_an_ended_lease_is_a_conflict() {
        f.agent("m", "1", "1g");
        String id = f.request("default", "1", "1g", 1).allocations().get(0);
        AllocationInfo first = f.state.release(id, "role ci", f.now);
        f.state.commit();
        AllocationInfo again = f.state.release(id, "role ci", f.now);
        assertThat(again).isEqualTo(first);
        assertThat(f.state.changes().isEmpty()).isTrue();
        assertThatThrownBy(() -> f.state.renew(id, null, f.now)).isInstanceOf(Conflict.class).hasMessageContaining("has ended (RELEASED");
    }

    @Test
    void a_silent_agent_is_lost_after_the_grace_with_its_allocations_and_comes_back_on_heartbeat() {
        String id = f.agent("m", "2", "2g").id();
        f.agent("other", "2", "2g");
        f.request("default", "2", "2g", 2);
        f.advance(Duration.ofSeconds(6));
        f.state.heartbeat(f.state.agents().stream().filter(a -> a.name().equals("other")).findFirst().orElseThrow().id(), null, f.now);
        f.advance(Duration.ofSeconds(5));
        f.tick();
        assertThat(f.state.agent(id).status()).isEqualTo(AgentStatus.LOST);
        assertThat(f.inState(AllocationState.LOST)).hasSize(1).allSatisfy(a -> assertThat(a.reason()).contains("missed heartbeats for 10s"));
        assertThat(f.state.ledger(id).used().cpuMillis()).isZero();
        f.state.heartbeat(id, null, f.now);
        f.state.commit();
        assertThat(f.state.agent(id).status()).isEqualTo(AgentStatus.READY);
    }

    @Test
    void draining_asks_allocations_to_leave_and_takes_no_new_ones_until_enabled() {
        String id = f.agent("m", "4", "4g").id();
        f.request("default", "1", "1g", 1);
        f.state.setDraining(id, true, f.now);
        f.state.commit();
        assertThat(f.live("default")).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(AllocationState.LEAVING);
            assertThat(a.reason()).contains("draining");
        });
        RequestInfo r = f.request("default", "1", "1g", 1);
        assertThat(r.why().summary()).isEqualTo("1 agent: 1 draining");
        f.state.setDraining(id, false, f.now);
        f.schedule();
        assertThat(f.state.request(r.id()).state()).isEqualTo(RequestState.PLACED);
    }

    @Test
    void cancelling_a_request_releases_what_it_holds() {
        f.agent("m", "2", "2g");
        RequestInfo r = f.request("default", "1", "1g", 3);
        assertThat(r.placed()).isEqualTo(2);
        RequestInfo c = f.state.cancel(r.id(), f.now);
        f.state.commit();
        assertThat(c.state()).isEqualTo(RequestState.CANCELLED);
        assertThat(f.inState(AllocationState.RELEASED)).hasSize(2);
        assertThat(f.state.ledger(f.state.agents().iterator().next().id()).used().cpuMillis()).isZero();
    }

    @Test
    void a_second_agent_cannot_take_a_ready_agents_name() {
        f.agent("m", "1", "1g");
        assertThatThrownBy(() -> f.agent("m", "1", "1g")).isInstanceOf(Conflict.class).hasMessageContaining("already registered");
    }
}
