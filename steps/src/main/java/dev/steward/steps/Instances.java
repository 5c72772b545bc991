package dev.steward.steps;

import dev.steward.api.InstanceInfo;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * A service's instances as the commands and the steps show them: the live ones in the order {@code steward
 * services} numbers them (oldest first), and the ended ones the allocator keeps (the latest 50),
 * the latest to end first.
 */
public final class Instances {
    private Instances() {
    }

    public static List<InstanceInfo> live(List<InstanceInfo> all) {
        return all.stream().filter(i -> !i.state().terminal()).sorted(Comparator.comparing(InstanceInfo::createdAt).thenComparing(InstanceInfo::id))
                .toList();
    }

    /** The ended ones, the latest to end first (one stored before its end was kept, last). */
    public static List<InstanceInfo> ended(List<InstanceInfo> all) {
        return all.stream().filter(i -> i.state().terminal())
                .sorted(Comparator.comparing((InstanceInfo i) -> i.endedAt() == null ? Instant.EPOCH : i.endedAt()).reversed()
                        .thenComparing(InstanceInfo::id))
                .toList();
    }

    /** How an ended instance ended, for a person: {@code stopped (scaled down)}, {@code failed (exit code 1)}. */
    public static String howEnded(InstanceInfo i) {
        return i.state().name().toLowerCase() + (i.reason() == null || i.reason().isBlank() ? "" : " (" + i.reason() + ")");
    }

    /**
     * The live instance {@code which} names, as {@code option} ({@code --instance} of a command,
     * {@code instance} of a step) takes it: the number {@code steward services APP --env ENV}
     * shows, or an instance id; with none, the only live one.
     * With {@code ended}, for a read of its logs, an id may also name an ended instance, and a
     * service with none live is answered with the latest to end and how to read its logs.
     * Else an {@link IllegalArgumentException} whose message says what to give.
     */
    public static InstanceInfo pick(List<InstanceInfo> all, String which, String option, String app, String env, boolean ended) {
        List<InstanceInfo> live = live(all);
        if (which != null) {
            for (InstanceInfo i : all) {
                if (i.id().equals(which)) {
                    if (!i.state().terminal() || ended) {
                        return i;
                    }
                    throw new IllegalArgumentException("instance " + which + " of " + app + "/" + env + " has ended: it was " + howEnded(i));
                }
            }
        }
        if (live.isEmpty()) {
            throw new IllegalArgumentException(noneLive(all, app, env, ended));
        }
        if (which == null) {
            if (live.size() > 1) {
                throw new IllegalArgumentException("service " + app + "/" + env + " has " + live.size() + " live instances; choose one with " + option + " 0.."
                        + (live.size() - 1) + " (as 'steward services " + app + " --env " + env + "' numbers them) or an instance id");
            }
            return live.get(0);
        }
        try {
            int n = Integer.parseInt(which);
            if (n >= 0 && n < live.size()) {
                return live.get(n);
            }
        } catch (NumberFormatException ignored) {
            // not a number: an unknown id, said below
        }
        throw new IllegalArgumentException(option + ": '" + which + "' is not 0.." + (live.size() - 1) + " nor the id of a live instance of " + app + "/" + env);
    }

    /**
     * Says that {@code app/env} has no live instance; with {@code ended}, for a read of logs, also
     * the latest to end that ran a task, how it ended, and how to read its logs.
     */
    public static String noneLive(List<InstanceInfo> all, String app, String env, boolean ended) {
        StringBuilder why = new StringBuilder("service " + app + "/" + env + " has no live instance");
        InstanceInfo last = !ended ? null : ended(all).stream().filter(i -> i.taskId() != null).findFirst().orElse(null);
        if (last != null) {
            why.append("; the latest to end, ").append(last.id()).append(" of revision ").append(last.revision()).append(", was ")
                    .append(howEnded(last)).append(": its logs are 'steward logs ").append(last.id()).append("'");
        }
        return why.toString();
    }
}
