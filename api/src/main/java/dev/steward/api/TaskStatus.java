package dev.steward.api;

import java.time.Instant;

/**
 * What an agent reports about a task. {@code seq} grows by one per report of that task; the
 * allocator applies a report once and in order, so a report sent twice (after a retry or a
 * restart of the agent) changes nothing. {@code hostFault} (true, or absent) marks a
 * {@code FAILED} that is the host's, not the task's: it was not started because a port lent to
 * it is held by another process, no task uid was free, or its package could not be fetched. A
 * service's instance that ends so is replaced, and does not fail its rollout by itself.
 */
public record TaskStatus(long seq, TaskState state, Long pid, Integer exitCode, Boolean healthy, String reason, Integer restarts, Instant at,
                         Boolean hostFault) {

    public TaskStatus(long seq, TaskState state, Long pid, Integer exitCode, Boolean healthy, String reason, Integer restarts, Instant at) {
        this(seq, state, pid, exitCode, healthy, reason, restarts, at, null);
    }
}
