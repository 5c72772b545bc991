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
 */
public record AllocationInfo(String id, String requestId, String role, String name, String agentId, String agentName, String host,
                             Resources resources, List<Integer> gpuIndexes, Map<String, Integer> ports, int priority,
                             boolean preemptible, AllocationState state, String reason, long ttlMillis, Instant expiresAt,
                             Instant createdAt, List<HistoryEvent> history, long createIndex, long modifyIndex) {
}
