package dev.steward.allocator.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The follow-up cycle for cut-short regex constraints: due in proportion to the last cycle, bounded, and one at a time. */
class FollowUpTest {
    private final ScheduledExecutorService owner = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        owner.shutdownNow();
    }

    @Test
    void is_due_four_times_the_last_cycle_later_within_its_bounds() {
        assertThat(FollowUp.delayMillis(0)).isEqualTo(5);
        assertThat(FollowUp.delayMillis(1_000_000)).isEqualTo(5);
        assertThat(FollowUp.delayMillis(10_000_000)).isEqualTo(40);
        assertThat(FollowUp.delayMillis(200_000_000)).isEqualTo(800);
        assertThat(FollowUp.delayMillis(60_000_000_000L)).isEqualTo(1_000);
        assertThat(FollowUp.delayMillis(Long.MAX_VALUE)).isEqualTo(1_000);
    }

    @Test
    void none_is_sent_when_not_wanted_and_at_most_one_is_due_at_a_time() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        FollowUp f = new FollowUp(owner, sent::incrementAndGet);
        assertThat(owner.submit(() -> {
            f.after(false, 0);
            return f.isDue();
        }).get()).as("a cycle that cut nothing short arranges nothing").isFalse();
        // three cycles wanting one, before the first is due (800 ms): one follow-up only
        owner.submit(() -> {
            f.after(true, 200_000_000);
            f.after(true, 0);
            f.after(true, 0);
        }).get();
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() == 1);
        assertThat(owner.submit(f::isDue).get()).as("sent, but its command has not run yet").isTrue();
        owner.submit(() -> f.after(true, 0)).get();
        assertThat(sent.get()).as("the cycles before its command ran arranged none").isEqualTo(1);
        // once its command has run, the next cycle that still wants one arranges the next
        owner.submit(() -> {
            f.ran();
            f.after(true, 0);
        }).get();
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() == 2);
        assertThat(sent.get()).isEqualTo(2);
    }

    @Test
    void an_owner_that_is_closing_refuses_quietly() {
        FollowUp f = new FollowUp(owner, () -> { });
        owner.shutdown();
        f.after(true, 0); // no exception: the requests are tried again at the next start
    }
}
