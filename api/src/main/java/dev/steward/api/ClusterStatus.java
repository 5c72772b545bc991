package dev.steward.api;

/**
 * The cluster in one line: the change index and counts. {@code certificateEnds}: when the first of
 * the allocator's own TLS certificates (its own, or a CA it trusts) ends, as its files say now
 * (null without TLS), so {@code steward status} can say so ahead.
 */
public record ClusterStatus(long index, int agentsReady, int agentsLost, int agentsDraining, int roles, int pendingRequests,
                            int liveAllocations, Resources total, Resources allocated, java.time.Instant certificateEnds) {

    public ClusterStatus(long index, int agentsReady, int agentsLost, int agentsDraining, int roles, int pendingRequests, int liveAllocations,
                         Resources total, Resources allocated) {
        this(index, agentsReady, agentsLost, agentsDraining, roles, pendingRequests, liveAllocations, total, allocated, null);
    }

    /** This status, saying when the allocator's first certificate ends. */
    public ClusterStatus withCertificateEnds(java.time.Instant end) {
        return new ClusterStatus(index, agentsReady, agentsLost, agentsDraining, roles, pendingRequests, liveAllocations, total, allocated, end);
    }
}
