package dev.steward.cli;

import dev.steward.api.InstanceInfo;

import java.util.Comparator;
import java.util.List;

/** A service's live instances in the order {@code steward services} numbers them: oldest first. */
final class Instances {
    private Instances() {
    }

    static List<InstanceInfo> live(List<InstanceInfo> all) {
        return all.stream().filter(i -> !i.state().terminal()).sorted(Comparator.comparing(InstanceInfo::createdAt).thenComparing(InstanceInfo::id))
                .toList();
    }

    /**
     * The live instance {@code which} names, as {@code --instance} takes it: the number {@code
     * steward services APP --env ENV} shows, or an instance id; with none, the only live one.
     * Else an {@link IllegalArgumentException} whose message says what to give.
     */
    static InstanceInfo pick(List<InstanceInfo> live, String which, String app, String env) {
        if (live.isEmpty()) {
            throw new IllegalArgumentException("service " + app + "/" + env + " has no live instance");
        }
        if (which == null) {
            if (live.size() > 1) {
                throw new IllegalArgumentException("service " + app + "/" + env + " has " + live.size() + " live instances; choose one with --instance 0.."
                        + (live.size() - 1) + " (as 'steward services " + app + " --env " + env + "' numbers them) or an instance id");
            }
            return live.get(0);
        }
        for (InstanceInfo i : live) {
            if (i.id().equals(which)) {
                return i;
            }
        }
        try {
            int n = Integer.parseInt(which);
            if (n >= 0 && n < live.size()) {
                return live.get(n);
            }
        } catch (NumberFormatException ignored) {
            // not a number: an unknown id, said below
        }
        throw new IllegalArgumentException("--instance: '" + which + "' is not 0.." + (live.size() - 1) + " nor the id of a live instance of " + app + "/" + env);
    }
}
