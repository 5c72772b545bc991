package dev.steward.steps;

import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestState;
import dev.steward.api.ValidationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The allocate step's behaviour against a real allocator and agent. */
class AllocateSessionTest {
    private TestCluster c;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        timer.shutdownNow();
        c.close();
    }

    private static AllocateRequest ask(String cpus, String ttl, String... ports) {
        return new AllocateRequest(null, "ci", 1, cpus, "64m", null, null, null, List.of(ports), null, null, null, null, null, null, ttl);
    }

    @Test
    void placedGivesTheBodyItsEnvironmentAndReleasesOnce() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, ask("0.5", null, "db"), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        assertThat(s.environment()).containsKeys("STEWARD_REQUEST_ID", "STEWARD_ALLOC_ID", "STEWARD_PORT_DB").containsEntry("STEWARD_CPUS", "0.5")
                .containsEntry("STEWARD_AGENT", "a1");
        assertThat(s.status()).startsWith("running on a1");
        String alloc = s.environment().get("STEWARD_ALLOC_ID");
        s.release("success");
        s.release("success");
        assertThat(c.admin.allocation(alloc).state()).isEqualTo(AllocationState.RELEASED);
        assertThat(c.lines.stream().filter(l -> l.startsWith("steward: released"))).hasSize(1);
    }

    @Test
    void pendingSaysWhyInTheLogAndTheStatusAndAnAbortReleases() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, ask("500", null), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(1))).isFalse();
        assertThat(s.status()).isEqualTo("pending: 1 agent: 1 insufficient cpus");
        assertThat(c.lines).contains("[status] pending: 1 agent: 1 insufficient cpus").anyMatch(l -> l.contains("not placed within 1s"));
        s.release("aborted");
        assertThat(c.admin.request(s.requestId(), 0, Duration.ZERO).value().state()).isEqualTo(RequestState.CANCELLED);
    }

    @Test
    void aSessionReattachesByItsSavedIdAfterARestart() throws Exception {
        AllocateSession before = AllocateSession.start(c.admin, ask("0.2", null, "http"), c.listener);
        assertThat(before.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        String saved = before.requestId(); // the only field a Jenkins step keeps across a controller restart
        AllocateSession after = AllocateSession.resume(c.admin, saved, c.listener);
        assertThat(after.awaitPlacement(Duration.ofSeconds(5))).isTrue();
        assertThat(after.environment()).isEqualTo(before.environment());
        after.release("failure");
        assertThat(c.admin.allocation(after.environment().get("STEWARD_ALLOC_ID")).state()).isEqualTo(AllocationState.RELEASED);
    }

    @Test
    void renewalKeepsTheLeaseAliveWhileTheBodyRuns() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, ask("0.2", "2s"), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        String alloc = s.environment().get("STEWARD_ALLOC_ID");
        s.startRenewing(timer);
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            assertThat(c.admin.allocation(alloc).state()).as("still held past its 2s lease").isEqualTo(AllocationState.ALLOCATED);
            return System.nanoTime() > until;
        });
        s.release("success");
        assertThat(c.admin.allocation(alloc).state()).isEqualTo(AllocationState.RELEASED);
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsAskedFor() {
        assertThatThrownBy(() -> AllocateSession.start(c.admin, ask("lots", null), c.listener)).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("cpus:");
    }
}
