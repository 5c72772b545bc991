package dev.steward.api;

import java.time.Instant;
import java.util.Map;

/**
 * A task as the allocator knows it: its spec, the allocation's ports and resources it runs
 * with, whether it should stop, and the last state the agent reported (pid, exit code, health,
 * restarts, reason). {@code lastSeq} is the sequence number of the last report applied.
 * {@code hostFault}: true when it {@code FAILED} for its host's reasons, not its own, as its
 * agent said ({@link TaskStatus#hostFault}); absent otherwise.
 */
public record TaskInfo(String id, String allocationId, String agentId, String role, TaskSpec spec, Map<String, Integer> ports,
                       Resources resources, boolean stopRequested, TaskState state, Boolean healthy, Long pid, Integer exitCode,
                       String reason, int restarts, long lastSeq, Instant createdAt, Instant startedAt, Instant finishedAt,
                       long createIndex, long modifyIndex, Boolean hostFault) {

    public TaskInfo(String id, String allocationId, String agentId, String role, TaskSpec spec, Map<String, Integer> ports,
                    Resources resources, boolean stopRequested, TaskState state, Boolean healthy, Long pid, Integer exitCode,
                    String reason, int restarts, long lastSeq, Instant createdAt, Instant startedAt, Instant finishedAt,
                    long createIndex, long modifyIndex) {
        this(id, allocationId, agentId, role, spec, ports, resources, stopRequested, state, healthy, pid, exitCode, reason, restarts, lastSeq,
                createdAt, startedAt, finishedAt, createIndex, modifyIndex, null);
    }

    /** This task with another spec (its secrets sealed for storage, or opened again). */
    public TaskInfo withSpec(TaskSpec s) {
        return new TaskInfo(id, allocationId, agentId, role, s, ports, resources, stopRequested, state, healthy, pid, exitCode, reason,
                restarts, lastSeq, createdAt, startedAt, finishedAt, createIndex, modifyIndex, hostFault);
    }

    /** This task with its spec's secrets {@linkplain TaskSpec#redacted() redacted}: what every reader but the task's agent gets. */
    public TaskInfo redacted() {
        TaskSpec r = spec == null ? null : spec.redacted();
        return r == spec ? this : new TaskInfo(id, allocationId, agentId, role, r, ports, resources, stopRequested, state, healthy, pid, exitCode, reason,
                restarts, lastSeq, createdAt, startedAt, finishedAt, createIndex, modifyIndex, hostFault);
    }
}
