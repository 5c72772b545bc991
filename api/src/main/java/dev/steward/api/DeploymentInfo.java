package dev.steward.api;

import java.time.Instant;
import java.util.List;

/**
 * A deployment: the rollout of one revision of a service. {@code fromRevision} ran before;
 * {@code stableRevision} is where a rollback returns; {@code step} is the canary step
 * (0-based); {@code reason} says why it ended as it did. Counts: desired, old and new instances
 * (non-final), and how many of each are available. {@code events} holds the latest progress
 * lines (the full stream is {@code /v1/deployments/ID/events}); {@code gate} is the current
 * canary step's monitor, if the step has a gate; {@code pausedAt} when it was paused, while it is.
 */
public record DeploymentInfo(String id, String service, int revision, Integer fromRevision, Integer stableRevision, RolloutSpec rollout,
                             DeploymentState state, int step, String reason, String createdBy, Instant createdAt, Instant updatedAt,
                             Instant progressAt, Instant pausedUntil, Instant pausedAt, Integer activeRevision, Instant switchedAt, int desired, int oldInstances,
                             int newInstances, int oldAvailable, int newAvailable, long lastEvent, List<DeploymentEvent> events, Gating gate,
                             long createIndex, long modifyIndex) {

    /** A canary step's gate: the monitor judging it, and its verdict and reason once it has one. */
    public record Gating(int step, String monitor, Verdict verdict, String reason) {
    }
}
