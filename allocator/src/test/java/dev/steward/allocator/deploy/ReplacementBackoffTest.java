package dev.steward.allocator.deploy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The wait between a service's replacements of failed or lost instances: doubling to a minute in a crash loop, over once calm has lasted. */
class ReplacementBackoffTest {
    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    @Test
    void a_crash_loop_waits_2_4_8_16_32_then_60_seconds() {
        ReplacementBackoff b = ReplacementBackoff.after(0, null, T0);
        Instant now = T0;
        long[] waits = new long[8];
        for (int k = 0; k < waits.length; k++) {
            waits[k] = Duration.between(now, b.notBefore()).toSeconds();
            now = b.notBefore(); // the next failure is replaced as soon as the backoff lets it
            b = ReplacementBackoff.after(b.replacements(), b.notBefore(), now);
        }
        assertThat(waits).containsExactly(2, 4, 8, 16, 32, 60, 60, 60);
        assertThat(b.replacements()).isEqualTo(9);
    }

    @Test
    void losses_far_apart_each_wait_as_the_first_did() {
        // before, a long-lived service's losses added up for good: the sixth, months later, held the next for a whole minute
        ReplacementBackoff b = ReplacementBackoff.after(0, null, T0);
        Instant now = T0;
        for (int k = 0; k < 10; k++) {
            now = now.plus(Duration.ofDays(3));
            b = ReplacementBackoff.after(b.replacements(), b.notBefore(), now);
            assertThat(b.replacements()).isEqualTo(1);
            assertThat(b.notBefore()).isEqualTo(now.plusSeconds(2));
        }
    }

    @Test
    void the_count_starts_over_only_once_the_backoff_has_been_over_for_ten_minutes() {
        ReplacementBackoff sixth = new ReplacementBackoff(6, T0);
        assertThat(ReplacementBackoff.after(sixth.replacements(), sixth.notBefore(), T0.plus(Duration.ofMinutes(10)).minusSeconds(1)).replacements())
                .isEqualTo(7);
        ReplacementBackoff calm = ReplacementBackoff.after(sixth.replacements(), sixth.notBefore(), T0.plus(Duration.ofMinutes(10)));
        assertThat(calm.replacements()).isEqualTo(1);
        assertThat(calm.notBefore()).isEqualTo(T0.plus(Duration.ofMinutes(10)).plusSeconds(2));
    }
}
