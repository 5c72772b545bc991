package dev.steward.allocator.state;

import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.RoleSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hint a waiting request's rollout log gives: the lowest priority at which it would take the
 * room of preemptible allocations. The least that is enough, not the one a preemption at any
 * priority would pick (one victim at 900 is fewer than two at 10 and 20, but a priority of 21
 * already takes the two); none when no preemptible room would do, when the request is not
 * pending, or above its role's cap.
 */
class PreemptingPriorityTest {
    @Test
    void the_least_priority_that_takes_enough_preemptible_room() {
        StateFixture f = new StateFixture();
        // m1: two preemptible cpus at 10 and 20; m2, joined after, one at 900
        f.agent("m1", "2", "4g");
        f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("1", "512m", 1, 10, true, false, null, null, null));
        f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("1", "512m", 1, 20, true, false, null, null, null));
        f.agent("m2", "1", "4g");
        f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("1", "512m", 1, 900, true, false, null, null, null));
        assertThat(f.live(ClusterState.DEFAULT_ROLE)).hasSize(3);

        RequestInfo one = f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("1", "512m", 1, 5, false, false, null, null, null));
        assertThat(one.state()).isEqualTo(RequestState.PENDING);
        assertThat(f.state.preemptingPriority(one.id())).as("above the lowest holder on an agent").isEqualTo(11);
        f.state.cancel(one.id(), f.now);

        RequestInfo two = f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("2", "512m", 1, 5, false, false, null, null, null));
        assertThat(two.state()).isEqualTo(RequestState.PENDING);
        assertThat(f.state.preemptingPriority(two.id())).as("both of m1's, not m2's one at 900").isEqualTo(21);
        assertThat(f.state.preemptingPriority(one.id())).as("not pending").isNull();
        f.state.cancel(two.id(), f.now);

        RequestInfo big = f.request(ClusterState.DEFAULT_ROLE, StateFixture.ask("3", "512m", 1, 5, false, false, null, null, null));
        assertThat(f.state.preemptingPriority(big.id())).as("no agent has 3 cpus to free").isNull();
        f.state.cancel(big.id(), f.now);

        f.state.putRole("capped", new RoleSpec(1.0, null, null, null, 10).parse());
        RequestInfo capped = f.request("capped", StateFixture.ask("1", "512m", 1, 5, false, false, null, null, null));
        assertThat(f.state.preemptingPriority(capped.id())).as("at or above the role's cap of 10, nothing to say").isNull();
        assertThat(f.live(ClusterState.DEFAULT_ROLE)).as("a hint ends no one").hasSize(3);
    }
}
