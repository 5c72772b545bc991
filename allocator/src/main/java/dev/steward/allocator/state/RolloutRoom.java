package dev.steward.allocator.state;

import java.util.List;

/**
 * How a rollout gives back the room of the instances it replaces (their allocations' ids), for a
 * plan's rehearsal ({@link ClusterState#rehearse}): {@code freedFirst} stop before any new
 * instance starts, then {@code beside} new instances start beside the old ones still running,
 * then {@code freedAfter} stop and the rest start. A recreate frees everything first; a
 * blue/green starts every new instance beside the old ones; a rolling update stops
 * maxUnavailable and starts as many in their room (with maxUnavailable 0, maxSurge beside them
 * first), then replaces the rest; a canary runs its largest step beside the old ones, then rolls
 * the rest.
 */
public record RolloutRoom(List<String> freedFirst, int beside, List<String> freedAfter) {
    public RolloutRoom {
        freedFirst = List.copyOf(freedFirst);
        freedAfter = List.copyOf(freedAfter);
        if (beside < 0) {
            throw new IllegalArgumentException("beside is " + beside);
        }
    }

    /** Nothing replaced (a new service, a scale): every new instance beside what runs. */
    public static RolloutRoom beside(int needed) {
        return new RolloutRoom(List.of(), needed, List.of());
    }
}
