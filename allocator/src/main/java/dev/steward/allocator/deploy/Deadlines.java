package dev.steward.allocator.deploy;

import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;
import dev.steward.api.RolloutSpec;
import dev.steward.api.Units;

import java.time.Duration;
import java.time.Instant;

/**
 * When a rollout must fail, pure, for {@link Reconciler}: a new instance failed, more new instances
 * were lost than a deployment may replace, one missed its healthy deadline, or none became
 * available for the progress deadline; each with the words that say why.
 */
final class Deadlines {
    private Deadlines() {
    }

    /**
     * How many new instances a deployment of {@code n} may lose before they are available (with
     * their agents, or to them: not started for a host's reasons) and replace before it fails:
     * what a lost agent or a port held on one host costs, but not a host that refuses every
     * start, placed on again and again.
     */
    static int lostLimit(int n) {
        return Math.min(n, 10) + 3;
    }

    /**
     * Why the deployment must fail now, or null: a new instance failed, more new instances were
     * lost than {@link #lostLimit}, one missed its healthy deadline, or nothing progressed.
     */
    static String deadlines(DeploymentInfo d, Reconciler.Ctx c, RolloutSpec r, Instant now) {
        Instant since = d.createdAt();
        for (InstanceInfo i : c.failedNew) {
            if (i.endedAt() == null || !i.endedAt().isBefore(d.createdAt())) {
                return "instance " + i.id() + " of revision " + c.target + " failed" + (i.reason() == null ? "" : ": " + i.reason());
            }
        }
        int lost = 0;
        InstanceInfo last = null;
        for (InstanceInfo i : c.lostNew) {
            if (i.endedAt() == null || !i.endedAt().isBefore(d.createdAt())) {
                lost++;
                last = last == null || i.endedAt() != null && last.endedAt() != null && i.endedAt().isAfter(last.endedAt()) ? i : last;
            }
        }
        if (lost > lostLimit(c.n)) {
            return lost + " new instances of revision " + c.target + " were lost before they were available, with their agents or to them (at most "
                    + lostLimit(c.n) + " are replaced for " + Units.count(c.n, "instance") + "); the last, " + last.id()
                    + (last.reason() == null ? "" : ": " + last.reason());
        }
        return deadlinesOf(since, d.progressAt(), c, r, now);
    }

    static String deadlinesOf(Instant started, Instant progressAt, Reconciler.Ctx c, RolloutSpec r, Instant now) {
        Duration healthy = r.healthyDeadlineDuration();
        for (InstanceInfo i : c.fresh) {
            // from its placement: waiting for room is bounded by the progress deadline below, as Nomad's healthy_deadline counts from the
            // allocation (one stored before placedAt was kept counts from its creation, as it did)
            Instant from = i.placedAt() != null ? i.placedAt() : i.state() == dev.steward.api.InstanceState.PENDING ? null : i.createdAt();
            if (from != null && !c.available.contains(i.id()) && !now.isBefore(from.plus(healthy))) {
                return "instance " + i.id() + " of revision " + c.target + " was not healthy within the healthy deadline of " + Units.format(healthy)
                        + (i.reason() == null ? "" : ": " + i.reason());
            }
        }
        boolean waiting = c.fresh.size() > c.newAvail;
        Instant since = progressAt != null ? progressAt : started;
        if (waiting && !now.isBefore(since.plus(r.progressDeadlineDuration()))) {
            return "no instance became available for the progress deadline of " + Units.format(r.progressDeadlineDuration()) + waitingFor(c);
        }
        return null;
    }

    /**
     * Why the rollout waited, as a new instance not available says it ("not placed yet: ...",
     * "health check failing: ..."), or "": the first that waits for room, which nothing but room
     * mends, else the first.
     */
    private static String waitingFor(Reconciler.Ctx c) {
        InstanceInfo named = null;
        for (InstanceInfo i : c.fresh) {
            if (!c.available.contains(i.id()) && i.reason() != null) {
                if (i.state() == dev.steward.api.InstanceState.PENDING) {
                    named = i;
                    break;
                }
                named = named == null ? i : named;
            }
        }
        return named == null ? "" : "; instance " + named.id() + ": " + named.reason();
    }
}
