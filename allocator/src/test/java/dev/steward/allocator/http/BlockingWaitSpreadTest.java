package dev.steward.allocator.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A blocking query's wait is spread by up to a sixteenth, never shortened, and really spread. */
class BlockingWaitSpreadTest {
    @Test
    void waitsGrowByAtMostASixteenthAndSpreadOut() {
        long seed = Long.getLong("spread.seed", System.nanoTime());
        Random r = new Random(seed);
        for (Duration wait : new Duration[] {Duration.ofMillis(1), Duration.ofSeconds(30), Duration.ofMinutes(5)}) {
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 10_000; i++) {
                Duration d = Handlers.spread(wait, r.nextLong());
                assertThat(d).as("seed %d, wait %s", seed, wait).isGreaterThanOrEqualTo(wait).isLessThanOrEqualTo(wait.plus(wait.dividedBy(16)));
                seen.add(d.toMillis());
            }
            // 30 s spreads over 1,876 possible milliseconds: 10,000 draws land on most of them
            assertThat(seen.size()).as("seed %d, wait %s", seed, wait).isGreaterThanOrEqualTo((int) Math.min(1 + wait.toMillis() / 16, 1000));
        }
    }

    @Test
    void theExtremesOfTheRandomNumberStayInBounds() {
        Duration wait = Duration.ofSeconds(30);
        for (long x : new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}) {
            assertThat(Handlers.spread(wait, x)).isBetween(wait, wait.plusMillis(1875));
        }
    }
}
