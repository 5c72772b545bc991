package dev.steward.agent;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The health verdict, from seeded random runs of probe outcomes against a plain restatement of
 * the rule: unhealthy once {@code threshold} probes in a row have failed outside the grace,
 * healthy at any pass, no verdict before either. A failure prints its seed; replay with
 * -Dsteward.seed=SEED.
 */
class HealthWatchTest {
    @Test
    void unhealthy_only_after_threshold_failures_in_a_row_outside_the_grace_and_healthy_at_any_pass() {
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
            for (int i = 0; i < 60; i++) {
                boolean ok = rnd.nextInt(3) == 0;
                String at = "seed " + seed + " (replay with -Dsteward.seed=" + seed + "), probe " + i;
                boolean inGrace = i < grace;
                failures = HealthWatch.failuresAfter(ok, inGrace, failures);
                verdict = HealthWatch.verdict(ok, failures, threshold, verdict);
                run = ok ? 0 : inGrace ? run : run + 1;
                passedYet |= ok;
                assertThat(failures).as(at).isEqualTo(run);
                if (ok) {
                    assertThat(verdict).as(at + ": a pass").isTrue();
                } else if (run >= threshold) {
                    assertThat(verdict).as(at + ": " + run + " failures in a row, threshold " + threshold).isFalse();
                } else if (!passedYet && run < threshold) {
                    assertThat(verdict).as(at + ": no pass yet and below the threshold").isNull();
                }
            }
        }
    }
}
