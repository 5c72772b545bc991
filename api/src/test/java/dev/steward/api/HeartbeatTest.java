package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When a heartbeat's figures say the agent's disk is nearly full. */
class HeartbeatTest {
    @Test
    void a_disk_is_nearly_full_below_the_floor_its_agent_reports_and_never_with_a_floor_of_zero() {
        assertThat(Heartbeat.diskPressure(Map.of("diskFreeMib", 10L, "diskPressureMib", 100L))).isTrue();
        assertThat(Heartbeat.diskPressure(Map.of("diskFreeMib", 100L, "diskPressureMib", 100L))).as("at the floor: not below it").isFalse();
        assertThat(Heartbeat.diskPressure(Map.of("diskFreeMib", 0L, "diskPressureMib", 0L))).as("0: never").isFalse();
        assertThat(Heartbeat.diskPressure(Map.of("diskFreeMib", 0L))).as("an agent that reports no floor (an older release)").isFalse();
        assertThat(Heartbeat.diskPressure(Map.of("diskPressureMib", 100L))).as("no free figure this time (it could not be read)").isFalse();
        assertThat(Heartbeat.diskPressure(null)).isFalse();
    }
}
