package dev.steward.steps;

import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An allocation that ends under the body (here preempted by a higher priority; lost with its agent
 * is the same to the session): the session says so once, hands it to whoever stops the body, and
 * no longer renews it in vain.
 */
class AllocationEndedTest {
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

    private AllocateSession holdingTheWholeAgent() throws Exception {
        String all = c.admin.agents().get(0).total().cpuMillis() + "m"; // the whole agent, so the urgent ask must take it back
        AllocateSession s = AllocateSession.start(c.admin, new AllocateRequest(null, "body", 1, all, "64m", null, null, null, null, null,
                null, null, 10, true, null, null), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        return s;
    }

    private AllocateSession urgent() throws Exception {
        String all = c.admin.agents().get(0).total().cpuMillis() + "m";
        return AllocateSession.start(c.admin, new AllocateRequest(null, "urgent", 1, all, "64m", null, null, null, null, null, null, null, 900,
                null, null, null), c.listener);
    }

    @Test
    void theFirstAllocationToEndUnderTheBodyIsSaidAndHandedOverOnce() throws Exception {
        AllocateSession s = holdingTheWholeAgent();
        String alloc = s.allocations().get(0).id();
        List<AllocationInfo> told = new CopyOnWriteArrayList<>();
        s.watchEnds(timer, Clock.systemUTC(), told::add);
        assertThat(s.anEnded()).isFalse();

        AllocateSession urgent = urgent();
        await().atMost(Duration.ofSeconds(30)).until(() -> !told.isEmpty());
        assertThat(told).hasSize(1);
        assertThat(told.get(0).id()).isEqualTo(alloc);
        assertThat(told.get(0).state()).isEqualTo(AllocationState.PREEMPTED);
        assertThat(s.anEnded()).isTrue();
        assertThat(c.lines).anyMatch(l -> l.startsWith("steward: Steward allocation " + alloc + " on agent a1 was preempted: preempted by request "
                + urgent.requestId()) && l.endsWith("; the body is stopped: what it ran on is gone"));

        s.renewNow(); // an ended allocation is not renewed again, in vain
        assertThat(c.lines).noneMatch(l -> l.contains("will retry"));
        s.release("an allocation ended");
        assertThat(told).hasSize(1);
        assertThat(urgent.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        urgent.release("done");
    }

    @Test
    void aRenewalOfAnAllocationThatHasEndedSaysSoOnceInsteadOfRetrying() throws Exception {
        AllocateSession s = holdingTheWholeAgent(); // no watch: as a step resumed after a restart, before its watch is armed again
        String alloc = s.allocations().get(0).id();
        AllocateSession urgent = urgent();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.admin.allocation(alloc).state() == AllocationState.PREEMPTED);
        s.renewNow();
        s.renewNow();
        assertThat(c.lines).noneMatch(l -> l.contains("renewing " + alloc + " failed (will retry)"));
        assertThat(c.lines.stream().filter(l -> l.startsWith("steward: Steward allocation " + alloc + " on agent a1 was preempted"))).hasSize(1);
        assertThat(s.anEnded()).isTrue();
        s.release("done");
        urgent.release("done");
    }

    @Test
    void aSessionReleasedBeforeItsAllocationEndsHearsNothingOfIt() throws Exception {
        AllocateSession s = holdingTheWholeAgent();
        List<AllocationInfo> told = new CopyOnWriteArrayList<>();
        s.watchEnds(timer, Clock.systemUTC(), told::add);
        s.release("the body ended");
        AllocateSession next = AllocateSession.start(c.admin, new AllocateRequest(null, "next", 1, "0.1", "16m", null, null, null, null, null, null,
                null, null, null, null, null), c.listener);
        assertThat(next.awaitPlacement(Duration.ofSeconds(30))).as("the release went through").isTrue();
        next.release("done");
        assertThat(told).as("its own release is not an allocation ending under the body").isEmpty();
        assertThat(s.anEnded()).isFalse();
    }
}
