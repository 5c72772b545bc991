package dev.steward.allocator.deploy;

import dev.steward.api.CanaryStep;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RolloutSpec;
import dev.steward.api.Units;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rollout decision, pure: (service, deployment, instances, now) → actions. No I/O, no clock.
 * <p>
 * Instances that are not final and not asked to stop are <em>counted</em>; those of the target
 * revision are <em>new</em>, the rest <em>old</em>. Every instance still running (stopping ones
 * too) counts against the surge, so the running count never passes instances + maxSurge in a
 * rolling update. Available means HEALTHY, i.e. the check passed for minHealthyTime.
 */
public final class Reconciler {
    private Reconciler() {
    }

    public static List<Action> decide(ServiceView svc, DeploymentInfo d, List<InstanceInfo> instances, Instant now) {
        return decide(svc, d, instances, Set.of(), now);
    }

    /** {@code leaving}: the instances whose allocations are asked to leave (their agents drain); moved elsewhere in the steady state. */
    public static List<Action> decide(ServiceView svc, DeploymentInfo d, List<InstanceInfo> instances, Set<String> leaving, Instant now) {
        return decide(svc, d, instances, leaving, Map.of(), now);
    }

    /**
     * As above; {@code asked}: of the leaving instances, those whose allocation leaves because a
     * fresh instance was asked for in its place (not a drain), each with the words that say so.
     * They move as a drain's do.
     */
    public static List<Action> decide(ServiceView svc, DeploymentInfo d, List<InstanceInfo> instances, Set<String> leaving, Map<String, String> asked,
                                      Instant now) {
        List<Action> out = new ArrayList<>();
        decide(svc, d, instances, leaving, asked, now, out);
        // a move's end and a set's count can both stop the same instance (a canary step runs fewer): once is enough
        Set<String> stopped = new HashSet<>();
        out.removeIf(a -> a instanceof Action.Stop s && !stopped.add(s.instance()));
        return out;
    }

    private static void decide(ServiceView svc, DeploymentInfo d, List<InstanceInfo> instances, Set<String> leaving, Map<String, String> asked, Instant now,
                               List<Action> out) {
        RolloutSpec rollout = d != null ? d.rollout() : svc.rollout(); // with none under way, the service's own timings
        Set<String> available = new HashSet<>();
        for (InstanceInfo i : instances) {
            if (i.state() == InstanceState.HEALTHY && !i.stopRequested()) {
                available.add(i.id());
            } else if (i.state() == InstanceState.STARTING && !i.stopRequested() && i.healthySince() != null
                    && !now.isBefore(i.healthySince().plus(rollout.availableAfter()))) {
                out.add(new Action.MarkAvailable(i.id()));
                available.add(i.id());
            }
        }
        if (d == null || d.state().terminal() || d.state() == DeploymentState.QUEUED) {
            Steady.decide(svc, instances, leaving, asked, available, now, out);
            return;
        }
        boolean back = d.state() == DeploymentState.ROLLING_BACK;
        int target = back ? d.stableRevision() : d.revision();
        Ctx c = new Ctx(svc.instances(), target, instances, available, leaving, settlesMoves(d));
        c.asked = asked;
        if (d.state() == DeploymentState.PAUSED) { // a person or a canary step holds it; deadlines do not run while paused
            Holds.makeUp(svc, d, c, instances, leaving, true, now, out);
            return;
        }
        String failure = Deadlines.deadlines(d, c, rollout, now);
        if (failure != null) {
            if (back) {
                out.add(new Action.Fail("the rollback to revision " + target + " failed too: " + failure + " (after: " + d.reason() + ")"));
            } else if (rollout.rollsBack() && d.stableRevision() != null && d.stableRevision() != d.revision()) {
                out.add(new Action.RollBack(failure));
            } else {
                out.add(new Action.Fail(failure + (d.stableRevision() == null ? "" : rollout.rollsBack() ? "" : "; automatic rollback is off")));
            }
            return;
        }
        if (back) {
            rolling(c, rollout, out);
            movesOfTarget(c, instances, out);
            if (c.done()) {
                out.add(new Action.RolledBack("revision " + target + " runs again: " + c.newAvail + " of " + Units.count(c.n, "instance") + " available"));
            }
            return;
        }
        switch (rollout.type()) {
            case ROLLING -> {
                rolling(c, rollout, out);
                movesOfTarget(c, instances, out);
                if (c.done()) {
                    out.add(new Action.Succeed("revision " + target + ": " + c.n + " of " + Units.count(c.n, "instance") + " available"));
                }
            }
            case RECREATE -> recreate(c, out);
            case BLUEGREEN -> {
                Holds.makeUp(svc, d, c, instances, leaving, false, now, out);
                blueGreen(c, d, rollout, now, out);
            }
            case CANARY -> {
                Holds.makeUp(svc, d, c, instances, leaving, false, now, out);
                canary(c, d, rollout, now, out);
            }
        }
    }

    /**
     * A rolling update's (or rollback's) own instances on draining agents move at once, as in
     * the steady state; its old ones there are stopped first instead ({@link #rolling}). The one
     * taking over is the drain's, not the rollout's: it runs beside the one it replaces, over
     * maxSurge, until that one stops (the room on a draining agent is no one else's anyway).
     */
    private static void movesOfTarget(Ctx c, List<InstanceInfo> instances, List<Action> out) {
        Holds.moves(c, instances, c.leaving, i -> i.revision() == c.target ? "" : null, out);
    }

    /** Why instance {@code id}'s allocation leaves: its words in {@code asked}, else its agent's drain. */
    static String leaveWhy(Map<String, String> asked, String id) {
        return asked.getOrDefault(id, "its agent is draining");
    }

    /** What takes the place of leaving instance {@code id}: a fresh instance, or one elsewhere (off a draining agent). */
    static String inItsPlace(Map<String, String> asked, String id) {
        return asked.containsKey(id) ? "a fresh instance" : "an instance elsewhere";
    }

    /** Whether the deployment settles each move it makes (Holds.moves): every strategy but recreate, and any while paused. A move then counts once, by its original. */
    static boolean settlesMoves(DeploymentInfo d) {
        return d.state() == DeploymentState.PAUSED || d.rollout().type() != RolloutSpec.Strategy.RECREATE;
    }

    /**
     * The live instances of {@code all} that take over from one that still runs (it moves off a
     * draining agent): a move shows as one instance, the one moving, until it has stopped. A
     * deployment that settles its moves counts them so too (see {@link Ctx}).
     */
    static Set<String> takingOver(List<InstanceInfo> all) {
        Set<String> out = new HashSet<>();
        Set<String> live = new HashSet<>();
        Map<String, InstanceInfo> byId = new HashMap<>();
        for (InstanceInfo i : all) {
            byId.put(i.id(), i);
            if (live(i)) {
                live.add(i.id());
            }
        }
        for (InstanceInfo i : all) {
            if (live.contains(i.id()) && takesOver(i, byId, live)) {
                out.add(i.id());
            }
        }
        return out;
    }

    /**
     * Whether {@code i} takes over from an instance that still runs: the one it was started in
     * place of, or, where that one is gone (it moved on in turn, or was lost after it had), the
     * one that one took over from, and so on.
     */
    private static boolean takesOver(InstanceInfo i, Map<String, InstanceInfo> byId, Set<String> live) {
        InstanceInfo from = i.movedFrom() == null ? null : byId.get(i.movedFrom());
        for (int depth = 0; from != null && depth < 100; depth++) {
            if (live.contains(from.id())) {
                return true;
            }
            from = from.movedFrom() == null ? null : byId.get(from.movedFrom());
        }
        return false;
    }

    private static boolean live(InstanceInfo i) {
        return !i.state().terminal() && !i.stopRequested() && i.state() != InstanceState.STOPPING;
    }

    /** The instances sorted into new and old, with availability, for one decision. */
    static final class Ctx {
        final int n;
        final int target;
        final List<InstanceInfo> fresh = new ArrayList<>();
        final List<InstanceInfo> old = new ArrayList<>();
        final List<InstanceInfo> failedNew = new ArrayList<>();
        /**
         * New instances lost before they were ever available, with their agents or to them (not
         * started there for the host's reasons): replaced, up to {@link Deadlines#lostLimit}. One lost after
         * it served is churn, replaced without a count.
         */
        final List<InstanceInfo> lostNew = new ArrayList<>();
        /** Instances taking over from one on a draining agent that still runs: counted nowhere, not even in {@link #running}, until it stops. */
        final List<InstanceInfo> takingOver = new ArrayList<>();
        int running;
        int newAvail;
        int oldAvail;
        int placed;
        final Set<String> available;

        /** Instances on draining agents: a rolling update stops its old ones there first. */
        final Set<String> leaving;
        /** Of those, the ones leaving because a fresh instance was asked for in their place, with the words that say so. */
        Map<String, String> asked = Map.of();

        Ctx(int n, int target, List<InstanceInfo> all, Set<String> available) {
            this(n, target, all, available, Set.of(), false);
        }

        /**
         * {@code movesOnce}: an instance taking over from one that still runs is not counted in its
         * revision's set until that one stops, so a set's count does not stop it as one too many
         * (only where {@link Holds} settles every move: someone must stop the one moving away).
         */
        Ctx(int n, int target, List<InstanceInfo> all, Set<String> available, Set<String> leaving, boolean movesOnce) {
            this.leaving = leaving;
            this.n = n;
            this.target = target;
            this.available = available;
            Set<String> moving = movesOnce ? takingOver(all) : Set.of();
            for (InstanceInfo i : all) {
                if (i.state() == InstanceState.FAILED && i.revision() == target && !i.stopRequested()) {
                    failedNew.add(i);
                }
                if (i.state() == InstanceState.LOST && i.revision() == target && !i.stopRequested() && i.availableAt() == null) {
                    lostNew.add(i);
                }
                if (i.state().terminal()) {
                    continue;
                }
                if (moving.contains(i.id())) {
                    takingOver.add(i); // the drain's, not the rollout's: the one it replaces is counted, and runs, until it stops
                    continue;
                }
                running++;
                if (i.stopRequested() || i.state() == InstanceState.STOPPING) {
                    continue;
                }
                if (i.revision() == target) {
                    fresh.add(i);
                    newAvail += available.contains(i.id()) ? 1 : 0;
                } else {
                    old.add(i);
                    oldAvail += available.contains(i.id()) ? 1 : 0;
                }
            }
        }

        /**
         * The new set is complete and alone. An instance still taking over from one on a draining
         * agent does not hold the rollout up: the steady state finishes the move (and keeps the
         * one moving until it is available), so a drain with no room elsewhere never fails or
         * stalls a rollout.
         */
        boolean done() {
            return placed == 0 && old.isEmpty() && running == fresh.size() && fresh.size() == n && newAvail == n;
        }
    }

    /**
     * Kubernetes' rolling update: scale the new set up within the surge, the old set down within
     * the availability floor; of the old, those on draining agents go first, so a drain under a
     * rolling update is done as soon as the rollout allows.
     */
    static void rolling(Ctx c, RolloutSpec r, List<Action> out) {
        int surge = r.surge(c.n);
        int minAvailable = c.n - r.unavailable(c.n);
        int add = Math.min(c.n + surge - c.running, c.n - c.fresh.size());
        for (int k = 0; k < add; k++) {
            out.add(new Action.Place(c.target, null));
            c.placed++;
        }
        if (c.old.isEmpty()) {
            if (c.fresh.size() > c.n) {
                stopExtra(c.fresh, c.fresh.size() - c.n, c.available, "scaled down", out);
            }
            return;
        }
        int total = c.fresh.size() + c.placed + c.old.size();
        int newUnavailable = c.fresh.size() + c.placed - c.newAvail;
        int maxScaleDown = total - minAvailable - newUnavailable;
        if (maxScaleDown <= 0) {
            return;
        }
        Comparator<InstanceInfo> drainingFirst = Comparator.comparing((InstanceInfo i) -> !c.leaving.contains(i.id()));
        List<InstanceInfo> unhealthyOld = c.old.stream().filter(i -> !c.available.contains(i.id())).sorted(drainingFirst).toList();
        int cleaned = 0;
        for (InstanceInfo i : unhealthyOld) {
            if (cleaned >= maxScaleDown) {
                break;
            }
            out.add(new Action.Stop(i.id(), "replaced by revision " + c.target + " (it was not available)"));
            cleaned++;
        }
        int scaleDown = Math.min(c.oldAvail, c.oldAvail + c.newAvail - minAvailable);
        List<InstanceInfo> healthyOld = c.old.stream().filter(i -> c.available.contains(i.id()))
                .sorted(drainingFirst.thenComparing(Comparator.comparing(InstanceInfo::createdAt).reversed())).toList();
        for (int k = 0; k < scaleDown && k < healthyOld.size(); k++) {
            out.add(new Action.Stop(healthyOld.get(k).id(), "replaced by revision " + c.target));
        }
    }

    static void recreate(Ctx c, List<Action> out) {
        for (InstanceInfo i : c.old) {
            out.add(new Action.Stop(i.id(), "recreate: every old instance stops before revision " + c.target + " starts"));
        }
        boolean oldGone = c.running == c.fresh.size();
        if (oldGone) {
            for (int k = c.fresh.size(); k < c.n; k++) {
                out.add(new Action.Place(c.target, null));
                c.placed++;
            }
        }
        if (c.done()) {
            out.add(new Action.Succeed("revision " + c.target + ": " + c.n + " of " + Units.count(c.n, "instance") + " available"));
        }
    }

    static void blueGreen(Ctx c, DeploymentInfo d, RolloutSpec r, Instant now, List<Action> out) {
        for (int k = c.fresh.size(); k < c.n; k++) {
            out.add(new Action.Place(c.target, null));
            c.placed++;
        }
        if (c.newAvail < c.n) {
            return;
        }
        if (d.activeRevision() == null || d.activeRevision() != c.target) {
            out.add(new Action.Switch(c.target));
            return;
        }
        if (!c.old.isEmpty()) {
            if (d.switchedAt() != null && !now.isBefore(d.switchedAt().plus(r.scaleDownDelayDuration()))) {
                for (InstanceInfo i : c.old) {
                    out.add(new Action.Stop(i.id(), "blue/green: revision " + c.target + " took over " + Units.format(r.scaleDownDelayDuration()) + " ago"));
                }
            }
            return;
        }
        if (c.done()) {
            out.add(new Action.Succeed("revision " + c.target + " serves: " + c.n + " of " + Units.count(c.n, "instance") + " available"));
        }
    }

    static void canary(Ctx c, DeploymentInfo d, RolloutSpec r, Instant now, List<Action> out) {
        List<CanaryStep> steps = r.steps();
        if (d.step() >= steps.size()) { // promoted: the rest rolls out like a rolling update
            rolling(c, r, out);
            if (c.done()) {
                out.add(new Action.Succeed("revision " + c.target + " promoted: " + c.n + " of " + Units.count(c.n, "instance") + " available"));
            }
            return;
        }
        CanaryStep s = steps.get(d.step());
        int want = Math.min(s.count(c.n), c.n);
        for (int k = c.fresh.size(); k < want; k++) {
            out.add(new Action.Place(c.target, null));
            c.placed++;
        }
        if (c.fresh.size() > want) {
            stopExtra(c.fresh, c.fresh.size() - want, c.available, "canary step " + (d.step() + 1) + " runs " + want, out);
        }
        if (c.placed > 0 || c.newAvail < want) {
            return;
        }
        String at = "canary step " + (d.step() + 1) + " of " + steps.size() + ": " + want + " of " + c.n + " on revision " + c.target;
        if (!s.gates().isEmpty()) {
            DeploymentInfo.Gating g = d.gate();
            if (g == null || g.step() != d.step()) {
                out.add(new Action.StartGate(d.step(), s.gates(), s.pauseDuration()));
            } else if (g.verdict() == dev.steward.api.Verdict.PASS) {
                out.add(new Action.Step(d.step() + 1, null, false, at + ": its gate passed (" + g.reason() + ")"));
            } else if (g.verdict() == dev.steward.api.Verdict.FAIL) {
                String why = "canary step " + (d.step() + 1) + " failed its gate: " + g.reason();
                out.add(r.rollsBack() && d.stableRevision() != null && d.stableRevision() != d.revision() ? new Action.RollBack(why) : new Action.Fail(why));
            } else if (g.verdict() == dev.steward.api.Verdict.INCONCLUSIVE) {
                out.add(new Action.Step(d.step(), null, true, at + ": its gate was inconclusive (" + g.reason() + "); promote or abort"));
            }
            return;
        }
        if (s.untilPromoted()) {
            out.add(new Action.Step(d.step(), null, true, at + "; waiting to be promoted"));
        } else if (!s.pauseDuration().isZero() && d.pausedUntil() == null) {
            out.add(new Action.Step(d.step(), now.plus(s.pauseDuration()), false, at + "; pausing " + Units.format(s.pauseDuration())));
        } else if (d.pausedUntil() == null || !now.isBefore(d.pausedUntil())) {
            out.add(new Action.Step(d.step() + 1, null, false, at + " passed"));
        }
    }

    /** Stops {@code count} of {@code set}: those not available first, then the newest. */
    static void stopExtra(List<InstanceInfo> set, int count, Set<String> available, String why, List<Action> out) {
        List<InstanceInfo> order = new ArrayList<>(set);
        order.sort(Comparator.comparing((InstanceInfo i) -> available.contains(i.id())).thenComparing(InstanceInfo::createdAt, Comparator.reverseOrder()));
        for (int k = 0; k < count && k < order.size(); k++) {
            out.add(new Action.Stop(order.get(k).id(), why));
        }
    }
}
