package dev.steward.api;

import java.time.Instant;

/**
 * What an agent reports about a task. {@code seq} grows by one per report of that task; the
 * allocator applies a report once and in order, so a report sent twice (after a retry or a
 * restart of the agent) changes nothing.
 */
public record TaskStatus(long seq, TaskState state, Long pid, Integer exitCode, Boolean healthy, String reason, Integer restarts, Instant at) {
}
