package dev.steward.allocator.state;

import dev.steward.api.AgentInfo;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A drain with a deadline: the allocations still on the agent are asked to leave, their leases
 * are cut to the deadline and renewals do not pass it, and what is still there then ends with a
 * reason that names the drain. Without a deadline, or once the agent is eligible again, leases
 * renew as before.
 */
class DrainDeadlineTest {
    @Test
    void what_is_still_there_at_the_deadline_ends_and_says_why() {
        StateFixture f = new StateFixture(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofHours(2)));
        AgentInfo m1 = f.agent("m1", "4", "4g");
        f.agent("m2", "4", "4g");
        f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("2", "1g", 2, null, false, false, null,
                java.util.List.of(dev.steward.api.Constraint.distinct()), "1h"));
        AllocationInfo onM1 = f.live(ClusterState.DEFAULT_ROLE).stream().filter(a -> a.agentId().equals(m1.id())).findFirst().orElseThrow();
        AllocationInfo other = f.live(ClusterState.DEFAULT_ROLE).stream().filter(a -> !a.agentId().equals(m1.id())).findFirst().orElseThrow();

        AgentInfo drained = f.state.drain(m1.id(), Duration.ofMinutes(10), f.now);
        f.state.commit();
        assertThat(drained.drainDeadline()).isEqualTo(f.now.plus(Duration.ofMinutes(10)));
        AllocationInfo leaving = f.state.allocation(onM1.id());
        assertThat(leaving.state()).isEqualTo(AllocationState.LEAVING);
        assertThat(leaving.reason()).contains("release this allocation by " + drained.drainDeadline());
        assertThat(leaving.expiresAt()).as("the lease cut to the deadline").isEqualTo(drained.drainDeadline());

        f.advance(Duration.ofMinutes(5));
        assertThat(f.state.renew(onM1.id(), Duration.ofHours(1), f.now).expiresAt()).as("a renewal does not pass it").isEqualTo(drained.drainDeadline());
        assertThat(f.state.renew(other.id(), Duration.ofHours(1), f.now).expiresAt()).as("elsewhere, as before").isEqualTo(f.now.plus(Duration.ofHours(1)));
        f.state.commit();

        f.advance(Duration.ofMinutes(5).plusSeconds(1));
        f.state.heartbeat(m1.id(), null, f.now);
        f.tick();
        AllocationInfo ended = f.state.allocation(onM1.id());
        assertThat(ended.state()).isEqualTo(AllocationState.EXPIRED);
        assertThat(ended.reason()).contains("agent m1 was drained with a deadline of " + drained.drainDeadline());
        assertThat(f.state.allocation(other.id()).state()).isEqualTo(AllocationState.ALLOCATED);
    }

    @Test
    void without_a_deadline_or_once_eligible_again_leases_renew_as_before() {
        StateFixture f = new StateFixture(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofHours(2)));
        AgentInfo m1 = f.agent("m1", "4", "4g");
        f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("1", "1g", 1, null, false, false, null, null, "1h"));
        AllocationInfo a = f.live(ClusterState.DEFAULT_ROLE).get(0);

        f.state.drain(m1.id(), null, f.now);
        assertThat(f.state.agent(m1.id()).drainDeadline()).isNull();
        assertThat(f.state.renew(a.id(), Duration.ofHours(3), f.now).expiresAt()).isEqualTo(f.now.plus(Duration.ofHours(3)));

        f.state.drain(m1.id(), Duration.ofMinutes(1), f.now); // draining again sets a deadline
        assertThat(f.state.allocation(a.id()).expiresAt()).isEqualTo(f.now.plus(Duration.ofMinutes(1)));
        f.state.setDraining(m1.id(), false, f.now);
        assertThat(f.state.agent(m1.id()).drainDeadline()).as("enabled: no deadline").isNull();
        assertThat(f.state.allocation(a.id()).state()).isEqualTo(AllocationState.ALLOCATED);
        assertThat(f.state.renew(a.id(), Duration.ofHours(3), f.now).expiresAt()).isEqualTo(f.now.plus(Duration.ofHours(3)));
        f.state.commit();
    }
}
