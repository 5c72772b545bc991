package dev.steward.api;

/**
 * Where a deployment is. {@code QUEUED} waits for an earlier deployment of the service (its
 * deploy said {@code onConflict: wait}); {@code RUNNING} rolls out; {@code PAUSED} holds (a
 * canary pause, or a person); {@code ROLLING_BACK} returns to the stable revision after a
 * failure. The rest are final: {@code SUCCEEDED}, {@code FAILED} (with the reason),
 * {@code ROLLED_BACK} (failed, and the stable revision runs again), {@code SUPERSEDED} (a
 * later deploy took over), {@code ABORTED} (stopped by a person; the stable revision runs).
 */
public enum DeploymentState {
    QUEUED, RUNNING, PAUSED, ROLLING_BACK, SUCCEEDED, FAILED, ROLLED_BACK, SUPERSEDED, ABORTED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == ROLLED_BACK || this == SUPERSEDED || this == ABORTED;
    }
}
