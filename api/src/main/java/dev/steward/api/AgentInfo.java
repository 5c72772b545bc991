package dev.steward.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An agent as the allocator knows it. {@code allocated} is what its live allocations hold;
 * {@code draining} means no new placements and its allocations are asked to leave;
 * {@code drainDeadline}, when a drain has one, is when the leases of those still there end.
 */
public record AgentInfo(String id, String name, AgentStatus status, boolean draining, Resources total, int gpus, String gpuModel,
                        List<AgentRegistration.PortRange> ports, Map<String, String> attributes, Instant registeredAt,
                        Instant lastHeartbeat, Map<String, Long> usage, Resources allocated, long createIndex, long modifyIndex,
                        Instant drainDeadline) {
}
