package dev.steward.allocator.state;

import java.time.Duration;

/**
 * Tunables of the state: how long an agent may miss heartbeats before it is lost, how many
 * history lines an allocation keeps, and how long ended allocations and requests stay
 * visible before they are forgotten.
 */
public record StateConfig(Duration heartbeatGrace, int historyLimit, Duration retention) {
    public static final StateConfig DEFAULTS = new StateConfig(Duration.ofSeconds(10), 50, Duration.ofHours(24));

    public StateConfig withHeartbeatGrace(Duration grace) {
        return new StateConfig(grace, historyLimit, retention);
    }
}
