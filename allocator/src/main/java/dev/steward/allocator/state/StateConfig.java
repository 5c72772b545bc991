package dev.steward.allocator.state;

import java.time.Duration;

/**
 * Tunables of the state: how long an agent may miss heartbeats before it is lost, how many
 * history lines an allocation keeps, how long ended allocations and requests stay visible
 * before they are forgotten, and what one role may hold ({@link RoleBounds}).
 */
public record StateConfig(Duration heartbeatGrace, int historyLimit, Duration retention, RoleBounds bounds) {
    public static final StateConfig DEFAULTS = new StateConfig(Duration.ofSeconds(10), 50, Duration.ofHours(24), RoleBounds.DEFAULTS);

    public StateConfig withHeartbeatGrace(Duration grace) {
        return new StateConfig(grace, historyLimit, retention, bounds);
    }

    public StateConfig withBounds(RoleBounds b) {
        return new StateConfig(heartbeatGrace, historyLimit, retention, b);
    }

    public StateConfig withMaxPendingPerRole(int n) {
        return withBounds(bounds.withMaxPending(n));
    }

    public StateConfig withMaxServicesPerRole(int n) {
        return withBounds(bounds.withMaxServices(n));
    }

    public StateConfig withMaxPackageBytesPerRole(long n) {
        return withBounds(bounds.withMaxPackageBytes(n));
    }

    public int maxPendingPerRole() {
        return bounds.maxPending();
    }

    public int maxServicesPerRole() {
        return bounds.maxServices();
    }

    public long maxPackageBytesPerRole() {
        return bounds.maxPackageBytes();
    }

    public int maxSecretsPerRole() {
        return bounds.maxSecrets();
    }
}
