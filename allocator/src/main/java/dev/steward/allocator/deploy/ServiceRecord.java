package dev.steward.allocator.deploy;

import java.time.Instant;
import java.util.List;

/**
 * A service as stored: app × env, its role, instances wanted, the current, stable and active
 * revisions, the running deployment and the ones queued behind it, the replacement backoff, and
 * the next revision number; {@code deletingSince}, once a delete was asked for (null before): its
 * instances are stopping, and the service and everything it keeps go when the last has ended;
 * {@code priority}, the one its instances ask for their allocations at (null: stored before
 * services had one, {@link dev.steward.api.Limits#DEFAULT_PRIORITY}).
 */
public record ServiceRecord(String name, String app, String env, String role, int instances, int revision, Integer stable, Integer active,
                            String deployment, List<String> queued, Instant replaceNotBefore, int failures, int nextRevision, Instant createdAt,
                            Instant updatedAt, long createIndex, long modifyIndex, Instant deletingSince, Integer priority) {

    /** A service as stored before services had a priority: the default one. */
    public ServiceRecord(String name, String app, String env, String role, int instances, int revision, Integer stable, Integer active, String deployment,
                         List<String> queued, Instant replaceNotBefore, int failures, int nextRevision, Instant createdAt, Instant updatedAt,
                         long createIndex, long modifyIndex, Instant deletingSince) {
        this(name, app, env, role, instances, revision, stable, active, deployment, queued, replaceNotBefore, failures, nextRevision, createdAt, updatedAt,
                createIndex, modifyIndex, deletingSince, null);
    }

    /** The priority its instances ask at. */
    public int priorityValue() {
        return priority == null ? dev.steward.api.Limits.DEFAULT_PRIORITY : priority;
    }

    /** This service at {@code p}, nothing else changed (not stored, nor its index moved). */
    ServiceRecord withPriority(int p) {
        return new ServiceRecord(name, app, env, role, instances, revision, stable, active, deployment, queued, replaceNotBefore, failures, nextRevision,
                createdAt, updatedAt, createIndex, modifyIndex, deletingSince, p);
    }

    ServiceRecord with(int instances, int revision, Integer stable, Integer active, String deployment, List<String> queued, Instant replaceNotBefore,
                       int failures, int nextRevision, Instant now, long index) {
        return new ServiceRecord(name, app, env, role, instances, revision, stable, active, deployment, List.copyOf(queued), replaceNotBefore, failures,
                nextRevision, createdAt, now, createIndex, index, deletingSince, priority);
    }

    /** Being deleted from {@code now}: no instance wanted, no deployment running or queued. */
    ServiceRecord deleting(Instant now, long index) {
        return new ServiceRecord(name, app, env, role, 0, revision, stable, active, null, List.of(), null, 0, nextRevision, createdAt, now, createIndex,
                index, now, priority);
    }

    /** The reconciler's view, with {@code rollout}: how the service's last deployment rolled out (null: none kept). */
    ServiceView view(dev.steward.api.RolloutSpec rollout) {
        return new ServiceView(instances, revision, stable, active, replaceNotBefore, rollout);
    }
}
