package dev.steward.api;

/**
 * The life of an allocation. {@code ALLOCATED}: placed and leased. {@code LEAVING}: asked to
 * leave (its agent drains) but still holding its resources. The rest are terminal and free
 * the resources: {@code RELEASED} by its holder, {@code EXPIRED} when the lease ran out,
 * {@code PREEMPTED} for a request of higher priority, {@code LOST} with its agent.
 */
public enum AllocationState {
    ALLOCATED, LEAVING, RELEASED, EXPIRED, PREEMPTED, LOST;

    public boolean terminal() {
        return this != ALLOCATED && this != LEAVING;
    }
}
