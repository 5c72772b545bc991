package dev.steward.allocator.state;

import java.time.Duration;

/**
 * Tunables of the state: how long an agent may miss heartbeats before it is lost, how many
 * history lines an allocation keeps, how long ended allocations and requests stay visible
 * before they are forgotten, and how many requests a role may have pending before a client's
 * next one is refused (1,000 by default: requests that found no place wait aside, but a release
 * on an agent large enough for them tries each once; before requests were set aside, 10,000
 * pending made every command of every tenant take 55 ms, measured on one agent), and how many
 * services a role may have before its next new one is refused (1,000 by default: each keeps up to
 * {@value dev.steward.allocator.deploy.Services#KEEP_REVISIONS} revisions, 20 deployments and 50
 * ended instances; services are deleted with {@code DELETE /v1/services/APP/ENV}), and how many
 * bytes of packages a role may hold before its next upload is refused (32 GiB by default; each
 * package it uploaded or ran counts whole; it lets go of one with {@code DELETE /v1/packages/DIGEST}).
 */
public record StateConfig(Duration heartbeatGrace, int historyLimit, Duration retention, int maxPendingPerRole, int maxServicesPerRole,
                          long maxPackageBytesPerRole) {
    public static final StateConfig DEFAULTS = new StateConfig(Duration.ofSeconds(10), 50, Duration.ofHours(24), 1_000, 1_000, 32L << 30);

    public StateConfig withHeartbeatGrace(Duration grace) {
        return new StateConfig(grace, historyLimit, retention, maxPendingPerRole, maxServicesPerRole, maxPackageBytesPerRole);
    }

    public StateConfig withMaxPendingPerRole(int n) {
        return new StateConfig(heartbeatGrace, historyLimit, retention, n, maxServicesPerRole, maxPackageBytesPerRole);
    }

    public StateConfig withMaxServicesPerRole(int n) {
        return new StateConfig(heartbeatGrace, historyLimit, retention, maxPendingPerRole, n, maxPackageBytesPerRole);
    }

    public StateConfig withMaxPackageBytesPerRole(long n) {
        return new StateConfig(heartbeatGrace, historyLimit, retention, maxPendingPerRole, maxServicesPerRole, n);
    }
}
