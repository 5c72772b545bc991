package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PeriodicTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void a_job_that_throws_runs_again_at_its_next_period_where_the_executor_alone_would_have_dropped_it_for_good() {
        AtomicInteger runs = new AtomicInteger();
        Runnable job = () -> {
            if (runs.incrementAndGet() <= 3) {
                throw new IllegalStateException("an unexpected failure");
            }
        };
        AtomicInteger bare = new AtomicInteger();
        timer.scheduleWithFixedDelay(() -> {
            bare.incrementAndGet();
            throw new IllegalStateException("once");
        }, 0, 10, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(Periodic.of("the test job", job), 0, 10, TimeUnit.MILLISECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 10);
        assertThat(bare.get()).as("the executor's own behaviour, which Periodic is for: a job that threw once never runs again").isEqualTo(1);
    }
}
