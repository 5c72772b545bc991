package dev.steward.allocator.deploy;

import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RolloutSpec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A simulated service for the reconciler: instances get placed, turn healthy (or, on a bad
 * revision, fail or never pass), stop and are lost at random; paused canaries are promoted at
 * random; time moves by random steps. Applies the reconciler's actions as the controller does,
 * through {@link Rollouts}, and checks the invariants on every round.
 */
final class RolloutSim {
    final Random r;
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    ServiceView svc;
    DeploymentInfo d;
    final Map<String, InstanceInfo> inst = new LinkedHashMap<>();
    final Set<Integer> bad = new HashSet<>();
    int ids;
    /** When the current gate's monitor reaches its verdict. */
    Instant gateEnds;
    final List<String> log = new ArrayList<>();
    /** Instances whose agents drain (their allocations are asked to leave); what is placed later never is. */
    final Set<String> leaving = new HashSet<>();
    /** Whether a paused canary is promoted at random (off: it holds until the test promotes it). */
    boolean promotes = true;
    /** How many instances may hold room at once (placed and not yet stopped), as a role's limit caps them; a pending one waits for a slot. */
    int slots = Integer.MAX_VALUE;

    RolloutSim(long seed) {
        r = new Random(seed);
    }

    /** N healthy instances of revision 1, made a while ago; stable, no deployment. */
    void steady(int n) {
        svc = new ServiceView(n, 1, 1, 1, null);
        Instant made = now;
        now = now.minusSeconds(120);
        for (int k = 0; k < n; k++) {
            InstanceInfo i = place(1);
            i = Rollouts.instance(i, InstanceState.STARTING, null, now);
            i = Rollouts.healthySince(i, now.minusSeconds(60));
            inst.put(i.id(), Rollouts.instance(i, InstanceState.HEALTHY, null, now));
        }
        now = made;
    }

    void deploy(int revision, RolloutSpec rollout) {
        svc = new ServiceView(svc.instances(), revision, svc.stable(), svc.active(), svc.replaceNotBefore(), svc.rollout());
        d = new DeploymentInfo("d" + revision, "web/test", revision, svc.stable(), svc.stable(), rollout, DeploymentState.RUNNING, 0, null, "sim", now,
                now, now, null, null, svc.active(), null, svc.instances(), 0, 0, 0, 0, 0, List.of(), null, 0, 0);
    }

    /** What Services.abort does: the deployment ends ABORTED and the service returns to its stable revision. */
    void abort() {
        d = Rollouts.state(d, DeploymentState.ABORTED, "aborted by sim", now);
        int back = svc.stable() != null ? svc.stable() : svc.revision();
        svc = new ServiceView(svc.instances(), back, svc.stable(), svc.stable(), null, svc.rollout());
    }

    /** What DeploymentActions.pause does: a person holds the deployment. */
    void pause() {
        d = Rollouts.state(d, DeploymentState.PAUSED, null, now);
    }

    /** The instance is lost with its agent. */
    void lose(String id) {
        inst.put(id, Rollouts.instance(inst.get(id), InstanceState.LOST, "its allocation ended: LOST: agent m1 missed heartbeats", now));
    }

    /** Live instances (not final, not asked to stop) of {@code revision}. */
    long live(int revision) {
        return inst.values().stream().filter(i -> i.revision() == revision && !i.state().terminal() && !i.stopRequested()).count();
    }

    /** Once in {@code oneIn} rounds a random live instance's agent drains; else once in {@code calledOffOneIn} every drain is called off. */
    void drains(int oneIn, int calledOffOneIn) {
        if (r.nextInt(oneIn) == 0) {
            List<String> live = inst.values().stream().filter(i -> !i.state().terminal() && !i.stopRequested()).map(InstanceInfo::id).toList();
            if (!live.isEmpty()) {
                leaving.add(live.get(r.nextInt(live.size())));
            }
        } else if (r.nextInt(calledOffOneIn) == 0) {
            leaving.clear();
        }
    }

    /** Live instances (not final, not asked to stop) of {@code revision} on draining agents. */
    long draining(int revision) {
        return inst.values().stream().filter(i -> i.revision() == revision && !i.state().terminal() && !i.stopRequested() && leaving.contains(i.id())).count();
    }

    /** Live instances of {@code revision} on draining agents that a live instance takes over from (directly, or through one that moved on). */
    long moving(int revision) {
        return inst.values().stream().filter(i -> i.revision() == revision && !i.state().terminal() && !i.stopRequested() && leaving.contains(i.id())
                && takenOver(i.id())).count();
    }

    private boolean takenOver(String id) {
        for (InstanceInfo t : inst.values()) {
            if (id.equals(t.movedFrom()) && (!t.state().terminal() && !t.stopRequested() || takenOver(t.id()))) {
                return true;
            }
        }
        return false;
    }

    /** A calm world for one round: nothing fails, what is pending starts (if a slot is free) and turns healthy, stops complete. */
    void calm() {
        int[] held = {holding()};
        inst.replaceAll((id, i) -> i.state() == InstanceState.UNHEALTHY ? Rollouts.instance(i, InstanceState.STARTING, null, now)
                : i.state() == InstanceState.PENDING ? (held[0] < slots && ++held[0] > 0 ? placed(i) : i)
                : i.state() == InstanceState.STARTING && i.healthySince() == null ? Rollouts.healthySince(i, now)
                : i.state() == InstanceState.STOPPING ? Rollouts.instance(i, InstanceState.STOPPED, null, now) : i);
    }

    /** Instances that hold room: placed (past PENDING) and not yet stopped. */
    int holding() {
        return (int) inst.values().stream().filter(i -> !i.state().terminal() && i.state() != InstanceState.PENDING).count();
    }

    private InstanceInfo place(int rev) {
        return place(rev, null);
    }

    private InstanceInfo place(int rev, String movedFrom) {
        String id = "i" + (++ids);
        InstanceInfo i = new InstanceInfo(id, "web/test", rev, null, null, InstanceState.PENDING, null, null, null, null, null, Map.of(), null, null, null,
                false, now, null, movedFrom, null, 0, 0);
        inst.put(id, i);
        return i;
    }

    /** The world moves: placements, health, failures, stops, losses. */
    void world() {
        for (InstanceInfo i : new ArrayList<>(inst.values())) {
            InstanceInfo n = i;
            double x = r.nextDouble();
            switch (i.state()) {
                case PENDING -> {
                    if (x < 0.5 && holding() < slots) {
                        n = placed(i);
                    }
                }
                case STARTING -> {
                    if (i.healthySince() == null) {
                        if (bad.contains(i.revision())) {
                            if (x < 0.04) {
                                n = Rollouts.instance(i, InstanceState.FAILED, "exited with code 1; no restarts left", now);
                            } else {
                                n = withReason(i, "health check http / on port http failed 3 times in a row");
                            }
                        } else if (x < 0.3) {
                            n = Rollouts.healthySince(i, now);
                        }
                    }
                }
                case HEALTHY -> {
                    if (x < 0.003) {
                        n = Rollouts.instance(i, InstanceState.LOST, "its agent was lost", now);
                    } else if (x < 0.006) {
                        n = Rollouts.instance(i, InstanceState.UNHEALTHY, "health check failed", now);
                    }
                }
                case UNHEALTHY -> {
                    if (x < 0.3) {
                        n = Rollouts.healthySince(Rollouts.instance(i, InstanceState.STARTING, null, now), now);
                    }
                }
                case STOPPING -> {
                    if (x < 0.6) {
                        n = Rollouts.instance(i, InstanceState.STOPPED, null, now);
                    }
                }
                default -> {
                }
            }
            inst.put(n.id(), n);
        }
        if (d != null && d.gate() != null && d.gate().verdict() == null && gateEnds != null && !now.isBefore(gateEnds)) {
            double x = r.nextDouble();
            dev.steward.api.Verdict v = bad.contains(d.revision()) ? dev.steward.api.Verdict.FAIL
                    : x < 0.15 ? dev.steward.api.Verdict.INCONCLUSIVE : dev.steward.api.Verdict.PASS;
            d = Rollouts.gate(d, new DeploymentInfo.Gating(d.gate().step(), d.gate().monitor(), v, "simulated " + v));
        }
        if (promotes && d != null && d.state() == DeploymentState.PAUSED && r.nextDouble() < 0.2) {
            d = Rollouts.promoted(d, now);
        }
    }

    /** The instance got its allocation now and starts, as the controller's {@code withAllocation} and task start do. */
    private InstanceInfo placed(InstanceInfo i) {
        InstanceInfo s = Rollouts.instance(i, InstanceState.STARTING, null, now);
        return new InstanceInfo(s.id(), s.service(), s.revision(), s.packageDigest(), s.buildUrl(), s.state(), s.requestId(), s.allocationId(),
                s.taskId(), s.agentId(), s.host(), s.ports(), s.healthySince(), s.availableAt(), s.reason(), s.stopRequested(), s.createdAt(), s.endedAt(),
                s.movedFrom(), now, s.createIndex(), s.modifyIndex());
    }

    private static InstanceInfo withReason(InstanceInfo i, String reason) {
        return new InstanceInfo(i.id(), i.service(), i.revision(), i.packageDigest(), i.buildUrl(), i.state(), i.requestId(), i.allocationId(),
                i.taskId(), i.agentId(), i.host(), i.ports(), i.healthySince(), i.availableAt(), reason, i.stopRequested(), i.createdAt(), i.endedAt(), i.movedFrom(),
                i.placedAt(), i.createIndex(), i.modifyIndex());
    }

    int live() {
        return (int) inst.values().stream().filter(i -> !i.state().terminal()).count();
    }

    /** Instances not ended, not on draining agents, that a move started while what they replace has not ended (through moves that moved on). */
    int moveExtra() {
        return (int) inst.values().stream().filter(i -> !i.state().terminal() && !leaving.contains(i.id())
                && replaces(i, from -> !from.state().terminal(), 0)).count();
    }

    /** Available instances taking over from one still live (not asked to stop), directly or through moves that moved on. */
    int availableTakingOver() {
        return (int) inst.values().stream().filter(i -> i.state() == InstanceState.HEALTHY && !i.stopRequested()
                && replaces(i, from -> !from.state().terminal() && !from.stopRequested() && from.state() != InstanceState.STOPPING, 0)).count();
    }

    /** Whether {@code i} took over from an instance that is {@code still}, directly or through moves that moved on. */
    private boolean replaces(InstanceInfo i, java.util.function.Predicate<InstanceInfo> still, int depth) {
        InstanceInfo from = i.movedFrom() == null ? null : inst.get(i.movedFrom());
        return from != null && depth < 100 && (still.test(from) || replaces(from, still, depth + 1));
    }

    /** Instances not ended on draining agents. */
    int onLeaving() {
        return (int) inst.values().stream().filter(i -> !i.state().terminal() && leaving.contains(i.id())).count();
    }

    int available(int revision) {
        return (int) inst.values().stream().filter(i -> i.revision() == revision && i.state() == InstanceState.HEALTHY && !i.stopRequested()).count();
    }

    int available() {
        return (int) inst.values().stream().filter(i -> i.state() == InstanceState.HEALTHY && !i.stopRequested()).count();
    }

    /** One decision, checked and applied. */
    void round() {
        List<Action> actions = Reconciler.decide(svc, d, List.copyOf(inst.values()), leaving, now);
        boolean active = d != null && !d.state().terminal();
        // while paused the rolling update does not act, and the hold's own bound applies (a move there runs one over until the moved one stops)
        boolean rolling = active && d.rollout().type() == RolloutSpec.Strategy.ROLLING && d.state() != DeploymentState.PAUSED;
        boolean back = active && d.state() == DeploymentState.ROLLING_BACK;
        int liveBefore = live();
        int n = svc.instances();
        // MarkAvailable first: it changes what counts as available before any stop
        for (Action a : actions) {
            if (a instanceof Action.MarkAvailable m) {
                InstanceInfo i = inst.get(m.instance());
                check(i != null && i.state() == InstanceState.STARTING && !i.stopRequested(), "MarkAvailable of a STARTING instance: " + i);
                inst.put(i.id(), Rollouts.instance(i, InstanceState.HEALTHY, null, now));
                if (d != null && !d.state().terminal()) {
                    d = Rollouts.progressed(d, now);
                }
            }
        }
        Map<String, InstanceInfo> decided = new HashMap<>(inst); // what the decision saw as available, before its stops
        int availableBefore = available();
        // what a move started is the drain's, not the rollout's, while the one it replaces is counted: the floor's check counts it on neither side
        int ownAvailableBefore = availableBefore - availableTakingOver();
        if (d == null || d.state().terminal()) {
            long stops = actions.stream().filter(a -> a instanceof Action.Stop).count();
            check(stops == 0 || availableBefore - stopsOfAvailable(actions) >= Math.min(availableBefore, n),
                    "the steady state's stops took available from " + availableBefore + " below " + Math.min(availableBefore, n));
        }
        Set<String> stopped = new HashSet<>();
        // where a drain called off keeps one that took over instead of the original: original → the one kept
        Map<String, String> keptFor = new HashMap<>();
        for (Action a : actions) {
            if (a instanceof Action.Stop s && s.reason().startsWith("its agent no longer drains, but it is not available and ")) {
                keptFor.put(s.instance(), s.reason().substring("its agent no longer drains, but it is not available and ".length()).split(",")[0]);
            }
        }
        for (Action a : actions) {
            if (a instanceof Action.Place p) {
                place(p.revision(), p.movedFrom());
                if (p.failed()) { // as the controller: a move waits for no backoff, and starts none
                    svc = new ServiceView(svc.instances(), svc.revision(), svc.stable(), svc.active(), now.plusSeconds(5), svc.rollout());
                }
            } else if (a instanceof Action.Stop s) {
                InstanceInfo i = inst.get(s.instance());
                check(i != null && !i.state().terminal() && !i.stopRequested(), "Stop of a live instance: " + i);
                check(stopped.add(i.id()), "one Stop per instance per round: " + i.id());
                // a drain called off keeps what serves: it stops the one taking over only where that one does not serve, or the one it
                // keeps does (the original, or one that took over from it in its place)
                String from = s.reason().startsWith("it was to take over from ") ? s.reason().split(" ")[6].replace(",", "") : null;
                String kept = from == null ? null : keptFor.getOrDefault(from, from);
                check(from == null || i.state() != InstanceState.HEALTHY || decided.get(kept).state() == InstanceState.HEALTHY
                        && (kept.equals(from) || actions.stream().noneMatch(x -> x instanceof Action.Stop st && st.instance().equals(kept))),
                        "a drain called off stopped " + i.id() + ", which serves, for " + kept + ", which does not: " + decided.get(kept));
                inst.put(i.id(), Rollouts.instance(i, InstanceState.STOPPING, s.reason(), now));
            } else if (a instanceof Action.StartGate g) {
                check(d.gate() == null || d.gate().step() != g.step(), "one gate per step: " + d.gate());
                d = Rollouts.gate(d, new DeploymentInfo.Gating(g.step(), "m" + g.step(), null, null));
                gateEnds = now.plus(g.duration());
            } else if (a instanceof Action.Step s) {
                d = Rollouts.step(d, s.step(), s.pausedUntil(), s.waitForPromote(), now);
            } else if (a instanceof Action.Switch s) {
                d = Rollouts.switched(d, s.revision(), now);
                svc = new ServiceView(svc.instances(), svc.revision(), svc.stable(), s.revision(), svc.replaceNotBefore(), svc.rollout());
            } else if (a instanceof Action.Succeed s) {
                d = Rollouts.state(d, DeploymentState.SUCCEEDED, s.message(), now);
                svc = new ServiceView(svc.instances(), d.revision(), d.revision(), d.revision(), svc.replaceNotBefore(), d.rollout());
            } else if (a instanceof Action.Fail f) {
                d = Rollouts.state(d, DeploymentState.FAILED, f.reason(), now);
            } else if (a instanceof Action.RollBack b) {
                d = Rollouts.state(d, DeploymentState.ROLLING_BACK, b.reason(), now);
            } else if (a instanceof Action.RolledBack b) {
                d = Rollouts.state(d, DeploymentState.ROLLED_BACK, null, now);
                svc = new ServiceView(svc.instances(), d.stableRevision(), svc.stable(), d.stableRevision(), svc.replaceNotBefore(), d.rollout());
            }
        }
        // what runs on draining agents is not counted, nor what a move started while the one it replaces runs (or stops): a move
        // runs one over maxSurge until the one moving has stopped
        if (back && !rolling) { // after a blue/green or canary more may run; a rollback adds none above the bound
            int surge = d.rollout().surge(n);
            check(live() - onLeaving() - moveExtra() <= Math.max(liveBefore, n + surge), "the rollback placed above instances + maxSurge: " + live());
        }
        if (rolling) {
            int surge = d.rollout().surge(n);
            check(live() - onLeaving() - moveExtra() <= n + surge, "running " + live() + " (" + onLeaving() + " on draining agents, " + moveExtra()
                    + " started by moves) > instances " + n + " + maxSurge " + surge);
            int floor = n - d.rollout().unavailable(n);
            check(available() - availableTakingOver() >= Math.min(ownAvailableBefore, floor), "our stops took available from " + ownAvailableBefore + " to "
                    + (available() - availableTakingOver())
                    + ", below instances - maxUnavailable = " + floor);
        }
        now = now.plusMillis(500 + r.nextInt(4500));
    }

    private long stopsOfAvailable(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.Stop s && inst.get(s.instance()).state() == InstanceState.HEALTHY).count();
    }

    void check(boolean ok, String what) {
        if (!ok) {
            StringBuilder s = new StringBuilder();
            inst.values().forEach(i -> s.append(' ').append(i.id()).append(':').append(i.revision()).append(':').append(i.state())
                    .append(i.stopRequested() ? "(stop)" : ""));
            throw new AssertionError(what + " at " + now + "; deployment " + (d == null ? null : d.rollout().type() + " " + d.state() + " step "
                    + d.step() + " " + d.reason()) + "; instances" + s);
        }
    }
}
