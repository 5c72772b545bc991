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
 * {@code replacements}: its instances that failed or were lost and were replaced since a deployment
 * of it last began, succeeded or rolled back; {@code replaceNotBefore}, when the last such replacement set it: until then,
 * another instance that fails or is lost waits for its replacement (the backoff, 2 s doubling with
 * each replacement to at most 60 s, as a crash loop's). Null before the first; a time past means none waits.
 */
public record ServiceInfo(String name, String app, String env, String role, int instances, int revision, Integer stableRevision,
                          Integer activeRevision, String deployment, int running, int available, int stopping, Instant createdAt, Instant updatedAt,
                          long createIndex, long modifyIndex, Instant deletingSince, LastDeployment lastDeployment, int priority, int replacements,
                          Instant replaceNotBefore) {

    /** The newest deployment of a service: its id, the revision it rolled out, its state, why it ended as it did, and when it last changed. */
    public record LastDeployment(String id, int revision, DeploymentState state, String reason, Instant updatedAt) {
    }
}
