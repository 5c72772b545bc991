package dev.steward.agent;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The health verdict, from seeded random runs of probe outcomes against a plain restatement of
 * the rule: unhealthy once {@code threshold} probes in a row have failed outside the grace, or
 * at once when one found another user's socket on the task's port (in the grace too), healthy at
 * any pass, no verdict before either. A failure prints its seed; replay with
 * -Dsteward.seed=SEED. And a guarded task's (ports, no check) verdict from the looks at its ports.
 */
class HealthWatchTest {
    @Test
    void unhealthy_after_threshold_failures_in_a_row_outside_the_grace_or_at_once_on_a_squatters_socket_and_healthy_at_any_pass() {
        Long only = Long.getLong("steward.seed");
        long base = System.nanoTime();
        for (int k = 0; k < (only != null ? 1 : 500); k++) {
            long seed = only != null ? only : base + k;
            Random rnd = new Random(seed);
            int threshold = 1 + rnd.nextInt(5);
            int grace = rnd.nextInt(6); // the first probes fall in the grace
            int failures = 0;
            Boolean verdict = null;
            int run = 0; // failures in a row that count
            boolean passedYet = false;
            boolean squatsToo = rnd.nextBoolean();
            boolean squattedYet = false;
            for (int i = 0; i < 60; i++) {
                boolean ok = rnd.nextInt(3) == 0;
                boolean squat = !ok && squatsToo && rnd.nextInt(8) == 0; // another user's socket on its port
                String at = "seed " + seed + " (replay with -Dsteward.seed=" + seed + "), probe " + i;
                boolean inGrace = i < grace;
                failures = HealthWatch.failuresAfter(ok, squat, inGrace, failures);
                verdict = HealthWatch.verdict(ok, squat, failures, threshold, verdict);
                run = ok ? 0 : inGrace && !squat ? run : run + 1;
                passedYet |= ok;
                squattedYet = ok ? false : squattedYet || squat;
                assertThat(failures).as(at).isEqualTo(run);
                if (ok) {
                    assertThat(verdict).as(at + ": a pass").isTrue();
                } else if (squat) {
                    assertThat(verdict).as(at + ": a squatter's socket, in the grace or not, whatever the threshold").isFalse();
                } else if (squattedYet) {
                    assertThat(verdict).as(at + ": no pass since a squatter's socket").isFalse();
                } else if (run >= threshold) {
                    assertThat(verdict).as(at + ": " + run + " failures in a row, threshold " + threshold).isFalse();
                } else if (!passedYet && run < threshold) {
                    assertThat(verdict).as(at + ": no pass yet and below the threshold").isNull();
                }
            }
        }
    }

    @Test
    void a_guarded_task_is_unhealthy_at_the_first_squatter_seen_and_healthy_again_when_its_ports_are_its_own() {
        String held = "port http 24000 is held by a socket of another user (uid 61001), not this task's (uid 61000)";
        assertThat(HealthWatch.guardVerdict(null, null)).as("nothing found, nothing to say: it runs healthy").isNull();
        HealthWatch.Verdict down = HealthWatch.guardVerdict(held, null);
        assertThat(down.healthy()).isFalse();
        assertThat(down.reason()).isEqualTo("its ports are not its own: " + held);
        assertThat(HealthWatch.guardVerdict(held, false)).as("said once").isNull();
        assertThat(HealthWatch.guardVerdict(held, true).healthy()).isFalse();
        HealthWatch.Verdict up = HealthWatch.guardVerdict(null, false);
        assertThat(up.healthy()).isTrue();
        assertThat(up.reason()).isEqualTo("its ports are its own again");
        assertThat(HealthWatch.guardVerdict(null, true)).isNull();
    }
}
