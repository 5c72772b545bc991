package dev.steward.allocator.deploy;

import java.time.Instant;

/** What the reconciler asks the controller to do. */
public sealed interface Action {
    /**
     * Start a new instance of {@code revision}; {@code replacing} names why when it replaces
     * another; {@code failed}: the one it replaces was lost or failed, so backoff applies (not
     * for one moved off a draining agent); {@code movedFrom}: the instance on a draining agent
     * it takes over from, kept on the new instance.
     */
    record Place(int revision, String replacing, boolean failed, String movedFrom) implements Action {
        public Place(int revision, String replacing) {
            this(revision, replacing, replacing != null, null);
        }

        public Place(int revision, String replacing, boolean failed) {
            this(revision, replacing, failed, null);
        }
    }

    record Stop(String instance, String reason) implements Action {
    }

    /** The instance's check has passed for minHealthyTime: it counts as available now. */
    record MarkAvailable(String instance) implements Action {
    }

    /** Move the canary to {@code step}; hold until {@code pausedUntil} (null: no timed pause); {@code waitForPromote}: PAUSED. */
    record Step(int step, Instant pausedUntil, boolean waitForPromote, String message) implements Action {
    }

    /** A canary step's gate: start a monitor of {@code gates} for {@code duration}. */
    record StartGate(int step, java.util.List<String> gates, java.time.Duration duration) implements Action {
    }

    /** Blue/green: discovery now lists {@code revision}. */
    record Switch(int revision) implements Action {
    }

    record Succeed(String message) implements Action {
    }

    record Fail(String reason) implements Action {
    }

    /** Failed, and the stable revision is returned to. */
    record RollBack(String reason) implements Action {
    }

    /** The rollback is done: the stable revision runs again. */
    record RolledBack(String message) implements Action {
    }
}
