package dev.steward.api;

/**
 * One instance of a service: {@code PENDING} (its allocation is not placed yet),
 * {@code STARTING} (placed, running, not yet healthy for minHealthyTime), {@code HEALTHY}
 * (available), {@code UNHEALTHY} (was available, its check fails now), {@code STOPPING}; final:
 * {@code STOPPED}, {@code FAILED} (it could not run or stay up), {@code LOST} (with its agent, or
 * to its host: not started there for the host's reasons, {@link TaskStatus#hostFault}).
 */
public enum InstanceState {
    PENDING, STARTING, HEALTHY, UNHEALTHY, STOPPING, STOPPED, FAILED, LOST;

    public boolean terminal() {
        return this == STOPPED || this == FAILED || this == LOST;
    }
}
