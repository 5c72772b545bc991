package dev.steward.allocator.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Deploy plans at once: a bound in all and a smaller one per caller, so one caller's loop leaves the others room. */
class PlanGateTest {
    @Test
    void a_caller_takes_at_most_its_share_and_all_together_at_most_the_bound() {
        PlanGate g = new PlanGate();
        assertThat(g.take("role:a")).isTrue();
        assertThat(g.take("role:a")).isTrue();
        assertThat(g.take("role:a")).as("a's share is " + PlanGate.PER_CALLER).isFalse();
        assertThat(g.take("role:b")).as("b still has room").isTrue();
        assertThat(g.take("role:c")).isTrue();
        assertThat(g.inFlight()).isEqualTo(PlanGate.MAX);
        assertThat(g.take("role:d")).as("the bound in all").isFalse();
        g.give("role:a");
        assertThat(g.take("role:d")).as("a place given back is anyone's").isTrue();
        assertThat(g.take("role:a")).isFalse();
    }

    @Test
    void a_place_not_taken_cannot_be_given_back() {
        PlanGate g = new PlanGate();
        assertThatThrownBy(() -> g.give("role:a")).isInstanceOf(IllegalStateException.class);
        assertThat(g.take("role:a")).isTrue();
        g.give("role:a");
        assertThat(g.inFlight()).isZero();
    }
}
