package dev.steward.allocator.deploy;

import java.time.Instant;
import java.util.List;

/**
 * A service as stored: app × env, its role, instances wanted, the current, stable and active
 * revisions, the running deployment and the ones queued behind it, the replacement backoff, and
 * the next revision number.
 */
public record ServiceRecord(String name, String app, String env, String role, int instances, int revision, Integer stable, Integer active,
                            String deployment, List<String> queued, Instant replaceNotBefore, int failures, int nextRevision, Instant createdAt,
                            Instant updatedAt, long createIndex, long modifyIndex) {

    ServiceRecord with(int instances, int revision, Integer stable, Integer active, String deployment, List<String> queued, Instant replaceNotBefore,
                       int failures, int nextRevision, Instant now, long index) {
        return new ServiceRecord(name, app, env, role, instances, revision, stable, active, deployment, List.copyOf(queued), replaceNotBefore, failures,
                nextRevision, createdAt, now, createIndex, index);
    }

    ServiceView view() {
        return new ServiceView(instances, revision, stable, active, replaceNotBefore);
    }
}
