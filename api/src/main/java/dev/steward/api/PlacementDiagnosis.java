package dev.steward.api;

import java.time.Instant;
import java.util.Map;

/**
 * Why a request is (still) pending: how many agents were evaluated and how many each
 * reason turned away, e.g. {@code 1,200 agents: 700 insufficient memory, 480 GPU model
 * mismatch, 20 draining}. {@code blockedBy} names a role-level reason (limit, guarantees of
 * others, gang) that applies before any agent is looked at.
 */
public record PlacementDiagnosis(Instant at, int agentsEvaluated, Map<String, Integer> rejections, String blockedBy, String summary) {
}
