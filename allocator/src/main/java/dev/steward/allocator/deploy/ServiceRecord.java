package dev.steward.allocator.deploy;

import java.time.Instant;
import java.util.List;

/**
 * A service as stored: app × env, its role, instances wanted, the current, stable and active
 * revisions, the running deployment and the ones queued behind it, the replacement backoff, and
 * the next revision number; {@code deletingSince}, once a delete was asked for (null before): its
 * instances are stopping, and the service and everything it keeps go when the last has ended.
 */
public record ServiceRecord(String name, String app, String env, String role, int instances, int revision, Integer stable, Integer active,
                            String deployment, List<String> queued, Instant replaceNotBefore, int failures, int nextRevision, Instant createdAt,
                            Instant updatedAt, long createIndex, long modifyIndex, Instant deletingSince) {

    ServiceRecord with(int instances, int revision, Integer stable, Integer active, String deployment, List<String> queued, Instant replaceNotBefore,
                       int failures, int nextRevision, Instant now, long index) {
        return new ServiceRecord(name, app, env, role, instances, revision, stable, active, deployment, List.copyOf(queued), replaceNotBefore, failures,
                nextRevision, createdAt, now, createIndex, index, deletingSince);
    }

    /** Being deleted from {@code now}: no instance wanted, no deployment running or queued. */
    ServiceRecord deleting(Instant now, long index) {
        return new ServiceRecord(name, app, env, role, 0, revision, stable, active, null, List.of(), null, 0, nextRevision, createdAt, now, createIndex,
                index, now);
    }

    /** The reconciler's view, with {@code rollout}: how the service's last deployment rolled out (null: none kept). */
    ServiceView view(dev.steward.api.RolloutSpec rollout) {
        return new ServiceView(instances, revision, stable, active, replaceNotBefore, rollout);
    }
}
