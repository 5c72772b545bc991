package dev.steward.allocator.deploy;

import dev.steward.allocator.state.Conflict;
import dev.steward.allocator.state.Quotas;
import dev.steward.allocator.state.RoleRecord;
import dev.steward.allocator.state.RolloutRoom;
import dev.steward.api.Resources;
import dev.steward.api.RolloutSpec;
import dev.steward.api.Units;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Refuses a deploy that its role's limit could never let finish: what the service holds by itself
 * at once, at the rollout's peak or at its end, is above the limit. Nothing the role lets go of
 * can make room for that, only a higher limit, so such a deploy used to wait out its deadline
 * (5 minutes by default) and then fail, with its service left part started. The role's other work
 * is not counted here: it comes and goes, and the deploy waits for it as it always did. The peak
 * is the rollout's own ({@link #least}): the old instances still running while the first new
 * ones it cannot go on without start beside them. A pure function of the figures it is given.
 */
final class LimitFit {
    private LimitFit() {
    }

    /**
     * Throws a {@link Conflict} when {@code count} instances of {@code each} for service {@code name},
     * rolled out by {@code rollout} over the live instances {@code replaced} (allocation id to what it
     * holds, oldest first), would hold more than {@code role}'s limit at once.
     */
    static void check(RoleRecord role, String name, RolloutSpec rollout, Resources each, int count, Map<String, Resources> replaced) {
        Quotas.Excess end = Quotas.aboveLimit(role, each.times(count));
        if (end != null) {
            throw new Conflict(refusal(role) + name + "'s " + Units.count(count, "instance") + " of " + each + " need " + end.resource() + "="
                    + end.asked() + ", above the limit of " + end.limit() + ". Deploy fewer or smaller instances, or raise the limit (steward roles set " + role.name() + " --limit ...)");
        }
        if (replaced.isEmpty()) {
            return;
        }
        RolloutRoom room = least(rollout, count, new ArrayList<>(replaced.keySet()));
        Resources peak = Resources.ZERO;
        for (Resources r : replaced.values()) {
            peak = peak.plus(r);
        }
        for (String id : room.freedFirst()) {
            peak = peak.minus(replaced.get(id));
        }
        Quotas.Excess atPeak = Quotas.aboveLimit(role, peak.plus(each.times(room.beside())));
        if (atPeak != null) {
            int running = replaced.size() - room.freedFirst().size();
            throw new Conflict(refusal(role) + "this " + what(rollout) + " of " + name + " would hold " + atPeak.resource() + "=" + atPeak.asked()
                    + " at once, above the limit of " + atPeak.limit() + ": " + Units.count(running, "instance") + " it replaces still running"
                    + " and " + room.beside() + " new beside them" + hint(rollout, room));
        }
    }

    /**
     * The least room the rollout needs beside what it has not stopped yet to go on, in the
     * reconciler's order ({@link Plans#room}): a rolling update goes on one new instance at a time
     * if it must (its surge may wait for room), so it needs room for one beside the old ones it has
     * not stopped; a canary needs its largest step; a blue/green, every new instance; a recreate,
     * none beside the old ones. {@code LimitFitPropertyTest} holds this to the reconciler itself.
     */
    static RolloutRoom least(RolloutSpec rollout, int count, java.util.List<String> replaced) {
        RolloutRoom room = Plans.room(rollout, count, replaced);
        return rollout.type() == RolloutSpec.Strategy.ROLLING ? new RolloutRoom(room.freedFirst(), Math.min(1, count), room.freedAfter()) : room;
    }

    private static String refusal(RoleRecord role) {
        return "role '" + role.name() + "''s limit could never let this deploy finish: ";
    }

    private static String what(RolloutSpec r) {
        return switch (r.type()) {
            case ROLLING -> "rolling update";
            case CANARY -> "canary";
            case BLUEGREEN -> "blue/green rollout";
            case RECREATE -> "recreate";
        };
    }

    private static String hint(RolloutSpec r, RolloutRoom room) {
        return switch (r.type()) {
            case ROLLING -> room.freedFirst().isEmpty()
                    ? " (with maxUnavailable 0 it stops none before a new one runs). Let it stop some first (--max-unavailable 1), or raise the limit"
                    : ". Raise the limit, or deploy with strategy recreate";
            case CANARY -> " (its largest step). Take a smaller step, or raise the limit";
            case BLUEGREEN -> " (a blue/green rollout starts every new instance before it stops an old one). Roll it (strategy rolling), or raise the limit";
            case RECREATE -> ". Raise the limit";
        };
    }

    /** The live allocations of {@code instances}, oldest first, with what each holds: what a new revision replaces. */
    static Map<String, Resources> held(java.util.List<dev.steward.api.InstanceInfo> instances, java.util.function.Function<String, Resources> resources) {
        Map<String, Resources> m = new LinkedHashMap<>();
        for (dev.steward.api.InstanceInfo i : instances) {
            if (!i.state().terminal() && i.allocationId() != null) {
                Resources r = resources.apply(i.allocationId());
                if (r != null) {
                    m.put(i.allocationId(), r);
                }
            }
        }
        return m;
    }
}
