package dev.steward.api;

import java.time.Instant;

/**
 * A service, app × env ({@code web/staging}): its role, the instances wanted, the current
 * revision (the latest deployed), the stable one (the latest whose deployment succeeded), the
 * active one (what discovery lists during a blue/green), the running deployment if any, and
 * its instance counts (running: live and not asked to stop; available: of those, healthy and
 * ready; stopping: asked to stop and not yet ended); {@code deletingSince}, when a delete was asked for (null otherwise): its
 * instances are stopping, and it is gone (404) once the last has ended. {@code lastDeployment}
 * is the newest deployment kept, running or ended (null before the first): how the service's
 * last rollout went, as {@code nomad job status} shows the latest deployment's status.
 * {@code priority}: the one its instances ask for their allocations at (0 to 1000).
 * {@code replacements}: the failed or lost instances it replaced in a row, the count its backoff
 * grows with (counted from when a deployment of it last began, succeeded or rolled back, or from a
 * replacement that came 10 minutes or more after the backoff before it had ended);
 * {@code replaceNotBefore}, set by the last of them: until then, another instance that fails or is
 * lost waits for its replacement (2 s after the first, doubling to at most 60 s, as a crash loop's
 * back-off). Null before the first; a time past means none waits.
 */
public record ServiceInfo(String name, String app, String env, String role, int instances, int revision, Integer stableRevision,
                          Integer activeRevision, String deployment, int running, int available, int stopping, Instant createdAt, Instant updatedAt,
                          long createIndex, long modifyIndex, Instant deletingSince, LastDeployment lastDeployment, int priority, int replacements,
                          Instant replaceNotBefore) {

    /** The newest deployment of a service: its id, the revision it rolled out, its state, why it ended as it did, and when it last changed. */
    public record LastDeployment(String id, int revision, DeploymentState state, String reason, Instant updatedAt) {
    }
}
