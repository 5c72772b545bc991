package dev.steward.api;

import java.time.Instant;

/**
 * A service, app × env ({@code web/staging}): its role, the instances wanted, the current
 * revision (the latest deployed), the stable one (the latest whose deployment succeeded), the
 * active one (what discovery lists during a blue/green), the running deployment if any, and
 * its instance counts.
 */
public record ServiceInfo(String name, String app, String env, String role, int instances, int revision, Integer stableRevision,
                          Integer activeRevision, String deployment, int running, int available, Instant createdAt, Instant updatedAt,
                          long createIndex, long modifyIndex) {
}
