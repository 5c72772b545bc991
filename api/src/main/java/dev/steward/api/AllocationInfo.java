package dev.steward.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One placed unit of resources on one agent, with its lease. {@code ports} maps each
 * requested port name to the number assigned on the agent; {@code gpuIndexes} says which of
 * the agent's GPUs it holds (a shared GPU holds {@code resources.gpuMillis} of one).
 * {@code reason} says why it is leaving or why it ended. {@code host} is where its ports answer:
 * the host of the agent's address when it was placed (null in rows stored before it was kept).
 * {@code preempted}: the allocations of a lower priority whose room it was placed in, ended for it
 * (null when it took no one's; as Kubernetes names the pods a preemption evicts).
 */
public record AllocationInfo(String id, String requestId, String role, String name, String agentId, String agentName, String host,
                             Resources resources, List<Integer> gpuIndexes, Map<String, Integer> ports, int priority,
                             boolean preemptible, AllocationState state, String reason, long ttlMillis, Instant expiresAt,
                             Instant createdAt, List<HistoryEvent> history, long createIndex, long modifyIndex, List<String> preempted) {

    public AllocationInfo(String id, String requestId, String role, String name, String agentId, String agentName, String host,
                          Resources resources, List<Integer> gpuIndexes, Map<String, Integer> ports, int priority,
                          boolean preemptible, AllocationState state, String reason, long ttlMillis, Instant expiresAt,
                          Instant createdAt, List<HistoryEvent> history, long createIndex, long modifyIndex) {
        this(id, requestId, role, name, agentId, agentName, host, resources, gpuIndexes, ports, priority, preemptible, state, reason, ttlMillis,
                expiresAt, createdAt, history, createIndex, modifyIndex, null);
    }
}
