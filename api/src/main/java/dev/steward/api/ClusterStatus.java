package dev.steward.api;

/** The cluster in one line: the change index and counts. */
public record ClusterStatus(long index, int agentsReady, int agentsLost, int agentsDraining, int roles, int pendingRequests,
                            int liveAllocations, Resources total, Resources allocated) {
}
