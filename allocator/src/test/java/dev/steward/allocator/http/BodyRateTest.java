package dev.steward.allocator.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BodyRateTest {
    private static final long S = 1_000_000_000L;
    private final BodyRate rate = new BodyRate(1024, Duration.ofSeconds(10));

    @Test
    void nothing_is_required_during_the_grace_and_the_rate_after_it() {
        assertThat(rate.required(0)).isZero();
        assertThat(rate.required(10 * S)).isZero();
        assertThat(rate.required(11 * S)).isEqualTo(1024);
        assertThat(rate.required(10 * S + S / 2)).isEqualTo(512);
        assertThat(rate.required(Long.MAX_VALUE)).as("no overflow, however long").isPositive();
    }

    @Test
    void a_body_is_behind_only_once_it_has_less_than_the_rate_asks() {
        assertThat(rate.behind(0, 10 * S)).isFalse();
        assertThat(rate.behind(0, 10 * S + S / 1024 + 1)).as("a byte is due 1/1024 s after the grace").isTrue();
        assertThat(rate.behind(2048, 12 * S)).isFalse();
        assertThat(rate.behind(2047, 12 * S)).isTrue();
    }

    @Test
    void the_check_is_due_exactly_when_what_came_stops_being_enough() {
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            BodyRate r = new BodyRate(1 + random.nextInt(1 << 20), Duration.ofMillis(random.nextInt(60_000)));
            long received = random.nextInt(1 << 24);
            long due = r.dueNanos(received);
            assertThat(r.behind(received, due)).as("seed 11, case %d: %s with %d bytes at %d ns", i, r, received, due).isTrue();
            assertThat(r.behind(received, due - 1)).as("seed 11, case %d: %s with %d bytes just before %d ns", i, r, received, due).isFalse();
        }
    }

    @Test
    void the_refusal_says_what_came_in_how_long_and_the_limit() {
        assertThat(rate.refusal(8, 10_000, 12 * S)).isEqualTo("the request body arrived too slowly: 8 of 10000 bytes in 12 s, below the minimum of "
                + "1024 bytes a second (counted after the first 10 s)");
        assertThat(rate.refusal(8, -1, 12 * S)).contains(": 8 bytes in 12 s");
    }

    @Test
    void a_rate_below_a_byte_a_second_or_a_negative_grace_is_refused() {
        assertThatThrownBy(() -> new BodyRate(0, Duration.ZERO)).hasMessageContaining("at least 1 byte a second");
        assertThatThrownBy(() -> new BodyRate(1, Duration.ofSeconds(-1))).hasMessageContaining("must not be negative");
    }
}
