package dev.steward.api;

import java.time.Instant;
import java.util.Map;

/**
 * One instance of a service, traceable to its revision, package and build: its allocation
 * request, allocation, task and agent, where it answers ({@code host} and {@code ports}), since
 * when its health check passes, and why it is in its state. {@code movedFrom}: the instance on a
 * draining agent this one was started to take over from, if it was. {@code placedAt}: when it got
 * its allocation (null until then, and for an instance stored before it was kept): its healthy
 * deadline counts from there, so time spent waiting for room counts only against the progress
 * deadline.
 */
public record InstanceInfo(String id, String service, int revision, String packageDigest, String buildUrl, InstanceState state, String requestId,
                           String allocationId, String taskId, String agentId, String host, Map<String, Integer> ports, Instant healthySince,
                           Instant availableAt, String reason, boolean stopRequested, Instant createdAt, Instant endedAt, String movedFrom, Instant placedAt,
                           long createIndex, long modifyIndex) {

    /** Where it answers, for a person: {@code 10.0.0.5 {http=21000}}, {@code 10.0.0.5 (no ports)}; null before it is placed. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String where() {
        return host == null ? null : host + (ports == null || ports.isEmpty() ? " (no ports)" : " " + ports);
    }
}
