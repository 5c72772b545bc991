package dev.steward.allocator.deploy;

import dev.steward.api.RolloutSpec;

import java.time.Instant;

/**
 * What the reconciler needs of a service: instances wanted, the current, stable and active
 * revisions, the replacement backoff, and {@code rollout}, how its last deployment rolled out:
 * with no rollout under way, an instance started in another's place (one lost, failed, or moved
 * off a draining agent) counts as available after that rollout's minHealthyTime, the service's
 * own, not the default.
 */
public record ServiceView(int instances, int revision, Integer stable, Integer active, Instant replaceNotBefore, RolloutSpec rollout) {
    public ServiceView {
        rollout = rollout == null ? RolloutSpec.ROLLING : rollout;
    }

    /** A service whose rollout is the default one. */
    public ServiceView(int instances, int revision, Integer stable, Integer active, Instant replaceNotBefore) {
        this(instances, revision, stable, active, replaceNotBefore, RolloutSpec.ROLLING);
    }
}
