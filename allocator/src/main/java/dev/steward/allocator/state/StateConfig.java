package dev.steward.allocator.state;

import java.time.Duration;

/**
 * Tunables of the state: how long an agent may miss heartbeats before it is lost, how many
 * history lines an allocation keeps, how long ended allocations and requests stay visible
 * before they are forgotten, and how many requests a role may have pending before a client's
 * next one is refused (1,000 by default: requests that found no place wait aside, but a release
 * on an agent large enough for them tries each once; before requests were set aside, 10,000
 * pending made every command of every tenant take 55 ms, measured on one agent).
 */
public record StateConfig(Duration heartbeatGrace, int historyLimit, Duration retention, int maxPendingPerRole) {
    public static final StateConfig DEFAULTS = new StateConfig(Duration.ofSeconds(10), 50, Duration.ofHours(24), 1_000);

    public StateConfig withHeartbeatGrace(Duration grace) {
        return new StateConfig(grace, historyLimit, retention, maxPendingPerRole);
    }

    public StateConfig withMaxPendingPerRole(int n) {
        return new StateConfig(heartbeatGrace, historyLimit, retention, n);
    }
}
