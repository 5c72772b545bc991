package dev.steward.steps;

import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.client.Paths;
import dev.steward.client.StewardClient;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Watches an allocation that a borrowed executor runs in, holding no thread, so the Cloud learns
 * at once when it ends under the executor: preempted for a higher priority, lost with its agent,
 * expired, or released elsewhere. {@code LEAVING} (its agent drains) is reported on the way, so no
 * new build is given to the executor.
 */
public final class AllocationWatch {
    /** How far ahead a watch is armed; the sweep re-arms it long before. */
    static final Duration HORIZON = Duration.ofDays(1);

    private AllocationWatch() {
    }

    /**
     * Completes with the allocation once it has ended (null if still running after a day).
     * {@code onLeavingChanged} is told each time it starts to leave ({@code LEAVING}) and each
     * time it stops leaving (back to {@code ALLOCATED}: its agent no longer drains).
     */
    public static CompletableFuture<AllocationInfo> untilEnded(StewardClient client, String allocationId, Clock clock,
                                                               Consumer<AllocationInfo> onLeavingChanged) {
        boolean[] leaving = {false};
        Instant until = clock.instant().plus(HORIZON);
        return client.watchAsync(Paths.v1("allocations", allocationId), AllocationInfo.class, until, clock, a -> a.state().terminal(), a -> {
            boolean now = a.state() == AllocationState.LEAVING;
            if (now != leaving[0] && !a.state().terminal()) {
                leaving[0] = now;
                onLeavingChanged.accept(a);
            }
        });
    }

    /** What to tell the build and the node's log: which allocation, where, what happened and why. */
    public static String why(AllocationInfo a) {
        String what = switch (a.state()) {
            case PREEMPTED -> "was preempted";
            case LOST -> "was lost with its agent";
            case EXPIRED -> "expired (its lease was not renewed)";
            case RELEASED -> "was released";
            case LEAVING -> "is leaving (its agent drains)";
            case ALLOCATED -> "is allocated";
        };
        return "Steward allocation " + a.id() + " on agent " + a.agentName() + " " + what + (a.reason() == null ? "" : ": " + a.reason());
    }
}
