package dev.steward.api;

import java.time.Duration;

/**
 * Body of {@code POST /v1/agents/ID/drain}, optional: a {@code deadline} (e.g. 1h) by which the
 * allocations still on the agent end (their leases are cut to it); without one, they are asked to
 * leave and run until their holders release them.
 */
public record DrainRequest(String deadline) {
    /** The longest deadline: a drain is for maintenance, not a way to keep an agent out for good. */
    public static final Duration MAX_DEADLINE = Duration.ofDays(30);

    /** The deadline from now, or null for none. */
    public Duration parse() {
        if (deadline == null) {
            return null;
        }
        Duration d = Units.duration("deadline", deadline);
        if (d.isNegative() || d.compareTo(MAX_DEADLINE) > 0) {
            throw new ValidationException("deadline", "is " + deadline + ", outside 0s to 30d");
        }
        return d;
    }
}
