package dev.steward.allocator.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ticker's decision, pure: seeded random runs of ticks, some late, some with the wall clock
 * stepped, against a plain restatement of the rule (a tick later than the interval by more than
 * the stall bound is a stall; otherwise a wall clock ahead of the real time by more than the bound
 * is a jump; a clock stepped back is neither). A failure prints its seed; replay with
 * -Dsteward.seed=SEED.
 */
class TickGapTest {
    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    @Test
    void a_late_tick_is_a_stall_and_a_wall_clock_run_ahead_is_a_jump_measured_from_the_tick_before() {
        Long only = Long.getLong("steward.seed");
        long base = System.nanoTime();
        for (int k = 0; k < (only != null ? 1 : 300); k++) {
            long seed = only != null ? only : base + k;
            Random rnd = new Random(seed);
            long interval = 1 + rnd.nextInt(100); // ms: small, so the bounds themselves come up often
            long bound = 1 + rnd.nextInt(50);
            long nanos = rnd.nextLong() / 2; // System.nanoTime may be negative
            Instant wall = T0;
            TickGap gaps = new TickGap(Duration.ofMillis(interval), Duration.ofMillis(bound), nanos, wall);
            for (int i = 0; i < 50; i++) {
                long elapsed = rnd.nextInt(4) == 0 ? interval + rnd.nextInt((int) (2 * bound) + 2) : interval + rnd.nextInt(3); // ms
                long step = switch (rnd.nextInt(5)) { // how far the wall clock moves beyond the real time, ms
                    case 0 -> rnd.nextInt((int) (2 * bound) + 2);
                    case 1 -> -rnd.nextInt(10_000); // stepped back
                    default -> 0;
                };
                nanos += elapsed * 1_000_000;
                wall = wall.plusMillis(elapsed + step);
                TickGap.Found found = gaps.tick(nanos, wall);
                String at = "seed " + seed + " (replay with -Dsteward.seed=" + seed + "), tick " + i + ": interval " + interval + " ms, bound " + bound
                        + " ms, " + elapsed + " ms since the last, wall clock " + step + " ms beyond";
                if (elapsed - interval > bound) {
                    assertThat(found).as(at).isNotNull();
                    assertThat(found.when()).as(at).startsWith("while the allocator stalled for ");
                    assertThat(found.warning()).as(at).isEqualTo("no tick for " + (elapsed - interval) + " ms: agents get a fresh heartbeat grace");
                } else if (step > bound) {
                    assertThat(found).as(at).isNotNull();
                    assertThat(found.when()).as(at).startsWith("when the clock jumped forward by ");
                    assertThat(found.warning()).as(at).startsWith("the clock jumped " + step + " ms ahead");
                } else {
                    assertThat(found).as(at).isNull();
                }
            }
        }
    }

    @Test
    void a_stall_before_the_first_tick_counts_and_the_reason_reads_in_units() {
        TickGap gaps = new TickGap(Duration.ofSeconds(1), Duration.ofSeconds(5), 0, T0);
        TickGap.Found found = gaps.tick(Duration.ofSeconds(31).toNanos(), T0.plusSeconds(31));
        assertThat(found.when()).isEqualTo("while the allocator stalled for 30s");
        assertThat(gaps.tick(Duration.ofSeconds(32).toNanos(), T0.plusSeconds(32))).as("the next tick is on time").isNull();
        assertThat(gaps.tick(Duration.ofSeconds(33).toNanos(), T0.plusSeconds(33 + 120)).when()).isEqualTo("when the clock jumped forward by 2m");
    }
}
