package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The rollouts a scale and a rollback take from the one a service was deployed with. */
class RolloutSpecTest {
    private static final List<CanaryStep> STEPS = List.of(new CanaryStep("50%", "promote", null));

    @Test
    void a_rolling_update_keeps_its_bounds_timings_and_rollback_setting_as_a_rolling_update() {
        RolloutSpec r = new RolloutSpec("rolling", "2", "0", 5, null, null, "2s", "15m", "20m", false);
        assertThat(r.asRolling()).isEqualTo(r);
        assertThat(r.forRollback()).isEqualTo(r);
    }

    @Test
    void a_canary_becomes_a_rolling_update_with_its_timings_and_no_steps() {
        RolloutSpec c = new RolloutSpec("canary", "3", "1", null, STEPS, null, "3s", "15m", "20m", false);
        RolloutSpec back = c.forRollback();
        assertThat(back.type()).isEqualTo(RolloutSpec.Strategy.ROLLING);
        assertThat(back.steps()).as("no step waits for a promotion").isNull();
        assertThat(back.maxSurge()).as("a canary's surge is not a rolling update's").isNull();
        assertThat(back.maxUnavailable()).isNull();
        assertThat(back.minHealthyTime()).isEqualTo("3s");
        assertThat(back.healthyDeadline()).isEqualTo("15m");
        assertThat(back.progressDeadline()).isEqualTo("20m");
        assertThat(back.rollsBack()).isFalse();
        assertThat(c.asRolling()).isEqualTo(back);
        back.validate(4);
    }

    @Test
    void a_blue_green_becomes_a_rolling_update_with_no_switch_delay() {
        RolloutSpec b = new RolloutSpec("bluegreen", null, null, 30, null, "5m", "1s", null, null, null);
        RolloutSpec back = b.forRollback();
        assertThat(back.type()).isEqualTo(RolloutSpec.Strategy.ROLLING);
        assertThat(back.scaleDownDelay()).isNull();
        assertThat(back.minReadySeconds()).isEqualTo(30);
        assertThat(back.availableAfter()).isEqualTo(java.time.Duration.ofSeconds(30));
    }

    @Test
    void a_recreate_stays_a_recreate_for_a_rollback_and_scales_as_a_rolling_update() {
        RolloutSpec r = new RolloutSpec("recreate", null, null, null, null, null, "2s", "1m", null, null);
        assertThat(r.forRollback().type()).as("its service must never run two revisions at once").isEqualTo(RolloutSpec.Strategy.RECREATE);
        assertThat(r.forRollback().minHealthyTime()).isEqualTo("2s");
        assertThat(r.forRollback().healthyDeadline()).isEqualTo("1m");
        assertThat(r.asRolling().type()).as("a scale runs one revision only").isEqualTo(RolloutSpec.Strategy.ROLLING);
    }
}
