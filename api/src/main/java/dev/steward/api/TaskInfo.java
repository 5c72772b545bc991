package dev.steward.api;

import java.time.Instant;
import java.util.Map;

/**
 * A task as the allocator knows it: its spec, the allocation's ports and resources it runs
 * with, whether it should stop, and the last state the agent reported (pid, exit code, health,
 * restarts, reason). {@code lastSeq} is the sequence number of the last report applied.
 */
public record TaskInfo(String id, String allocationId, String agentId, String role, TaskSpec spec, Map<String, Integer> ports,
                       Resources resources, boolean stopRequested, TaskState state, Boolean healthy, Long pid, Integer exitCode,
                       String reason, int restarts, long lastSeq, Instant createdAt, Instant startedAt, Instant finishedAt,
                       long createIndex, long modifyIndex) {
}
