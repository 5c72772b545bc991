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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A borrowed executor's allocation, preempted by a higher priority: the watch says so at once, and why. */
class AllocationWatchTest {
    private TestCluster c;

    @BeforeEach
    void start() throws Exception {
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
    }

    @Test
    void aPreemptedExecutorAllocationIsReportedWithItsReason() throws Exception {
        String all = c.admin.agents().get(0).total().cpuMillis() + "m"; // the whole agent, so the next ask must take it back
        AllocateSession executor = AllocateSession.start(c.admin, new AllocateRequest(null, "executor", 1, all, "64m", null, null, null, null, null,
                null, null, 10, true, null, null), c.listener);
        assertThat(executor.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        String alloc = executor.allocations().get(0).id();
        CompletableFuture<AllocationInfo> ended = AllocationWatch.untilEnded(c.admin, alloc, Clock.systemUTC(), a -> { });
        assertThat(ended).isNotDone();

        AllocateSession urgent = AllocateSession.start(c.admin, new AllocateRequest(null, "release", 1, all, "64m", null, null, null, null, null,
                null, null, 900, null, null, null), c.listener);
        AllocationInfo a = ended.get(30, TimeUnit.SECONDS);
        assertThat(a.state()).isEqualTo(AllocationState.PREEMPTED);
        assertThat(AllocationWatch.why(a)).startsWith("Steward allocation " + alloc + " on agent a1 was preempted: preempted by request " + urgent.requestId())
                .contains("priority 900");
        assertThat(urgent.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        urgent.release("done");
        executor.release("done");
    }

    @Test
    void aWatchThatIsCancelledStopsPolling() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, new AllocateRequest(null, "x", 1, "0.1", "16m", null, null, null, List.of(), null, null, null,
                null, null, null, null), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        CompletableFuture<AllocationInfo> w = AllocationWatch.untilEnded(c.admin, s.allocations().get(0).id(), Clock.systemUTC(), a -> { });
        w.cancel(false);
        s.release("done");
        assertThat(w).isCancelled();
    }

    @Test
    void aDrainingAgentIsReportedAsLeavingAndAgainWhenItIsEnabled() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, new AllocateRequest(null, "executor", 1, "0.1", "16m", null, null, null, null, null, null, null,
                null, null, null, null), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        java.util.List<AllocationState> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<AllocationInfo> ended = AllocationWatch.untilEnded(c.admin, s.allocations().get(0).id(), Clock.systemUTC(), a -> told.add(a.state()));
        String agent = c.admin.agents().get(0).id();
        c.admin.call("POST", dev.steward.client.Paths.v1("agents", agent, "drain"), null, dev.steward.api.AgentInfo.class, false);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> told.equals(List.of(AllocationState.LEAVING)));
        c.admin.call("POST", dev.steward.client.Paths.v1("agents", agent, "enable"), null, dev.steward.api.AgentInfo.class, false);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> told.equals(List.of(AllocationState.LEAVING, AllocationState.ALLOCATED)));
        assertThat(ended).isNotDone();
        s.release("done");
        assertThat(ended.get(30, TimeUnit.SECONDS).state()).isEqualTo(AllocationState.RELEASED);
        assertThat(told).hasSize(2); // the end is the future's, not a leaving change
    }
}
