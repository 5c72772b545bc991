package dev.steward.allocator.deploy;

import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RolloutSpec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/** The reconciler's part for a rollout that holds: pure, as {@link Reconciler} is. */
final class Holds {
    private Holds() {
    }

    /**
     * What a holding rollout owes for its losses and its drains. A rolling update makes up for a
     * lost instance as it goes, by starting one of the new revision; nothing else does while a
     * rollout holds. So while it holds, each revision keeps the count it had, as a Kubernetes
     * ReplicaSet does under a paused Deployment. The old revisions hold from the deployment's
     * start while a canary is not yet promoted or blue/green has not switched (both keep every old
     * instance serving until then); every revision holds from the pause while the deployment is
     * paused.
     * <ul>
     * <li>An instance on a draining agent gets one of its revision elsewhere at once (no
     * backoff; the new one's {@code movedFrom} names it), and is stopped once that one is
     * available ({@link #moves}). A replacement whose original's drain was called off is
     * stopped (or, where it is available and the original is not, the original is). A canary's
     * or blue/green's own revision moves so at every step, not only in a hold (as a rolling
     * update's does): a timed step or a gate can last for hours, and a drain should not wait for
     * them; the set's count sees a move as one instance (see {@link Reconciler.Ctx}).</li>
     * <li>An instance lost or failed since the hold began is replaced by one of its revision,
     * after the service's backoff. What is owed is counted, not linked: losses, plus instances
     * stopped by a move (an original moved away, or a replacement no longer wanted), less the
     * instances of the revision started since the hold began. While an instance and its move's
     * replacement both run, one loss more is covered by the replacement.</li>
     * </ul>
     */
    static void makeUp(ServiceView svc, DeploymentInfo d, Reconciler.Ctx c, List<InstanceInfo> instances, Set<String> leaving, boolean paused, Instant now,
                       List<Action> out) {
        RolloutSpec r = d.rollout();
        boolean canaryHolds = r.type() == RolloutSpec.Strategy.CANARY && d.step() < r.steps().size();
        boolean blueHolds = r.type() == RolloutSpec.Strategy.BLUEGREEN && (d.activeRevision() == null || d.activeRevision() != c.target);
        Instant oldSince = canaryHolds || blueHolds ? d.createdAt() : paused ? d.pausedAt() : null;
        Instant newSince = paused ? d.pausedAt() : null;
        // a canary's and blue/green's own instances move off a draining agent at any step: those rollouts can run for long
        boolean newMoves = paused || r.type() == RolloutSpec.Strategy.CANARY || r.type() == RolloutSpec.Strategy.BLUEGREEN;
        if (oldSince == null && !newMoves) {
            return;
        }
        String oldWhy = canaryHolds ? "revision %d keeps its count until the canary is promoted"
                : blueHolds ? "revision %d keeps its count until blue/green switches to revision " + c.target
                : "the deployment is paused: revision %d keeps its count until it resumes";
        String newWhy = "the deployment is paused: revision %d keeps its count until it resumes";
        Map<String, InstanceInfo> byId = new HashMap<>();
        for (InstanceInfo i : instances) {
            byId.put(i.id(), i);
        }
        Map<Integer, List<InstanceInfo>> lost = new TreeMap<>();
        Map<Integer, Integer> owed = new HashMap<>();
        Set<String> movedAway = new HashSet<>();
        for (InstanceInfo i : instances) {
            Instant since = i.revision() == c.target ? newSince : oldSince;
            if (since == null) {
                continue;
            }
            if (!i.createdAt().isBefore(since)) {
                owed.merge(i.revision(), -1, Integer::sum);
                if (i.movedFrom() != null) {
                    InstanceInfo from = byId.get(i.movedFrom());
                    if (from != null && from.stopRequested() && movedAway.add(from.id())) {
                        owed.merge(i.revision(), 1, Integer::sum); // the original, moved away
                    }
                    if (i.stopRequested() && movedAway.add(i.id())) {
                        owed.merge(i.revision(), 1, Integer::sum); // a replacement no longer wanted (or itself moved on): once
                    }
                }
            }
            if ((i.state() == InstanceState.LOST || i.state() == InstanceState.FAILED) && !i.stopRequested() && i.endedAt() != null
                    && !i.endedAt().isBefore(since)) {
                owed.merge(i.revision(), 1, Integer::sum);
                lost.computeIfAbsent(i.revision(), k -> new ArrayList<>()).add(i);
            }
        }
        moves(c, instances, leaving, i -> {
            if (i.revision() != c.target) {
                return oldSince == null ? null : "; " + String.format(oldWhy, i.revision());
            }
            return !newMoves ? null : newSince == null ? "" : "; " + String.format(newWhy, i.revision());
        }, out);
        if (svc.replaceNotBefore() != null && now.isBefore(svc.replaceNotBefore())) {
            return; // backoff after a failure
        }
        for (var e : lost.entrySet()) {
            List<InstanceInfo> gone = new ArrayList<>(e.getValue());
            gone.sort(Comparator.comparing(InstanceInfo::endedAt));
            int n = Math.min(gone.size(), owed.getOrDefault(e.getKey(), 0));
            String why = String.format(e.getKey() == c.target ? newWhy : oldWhy, e.getKey());
            for (InstanceInfo i : gone.subList(gone.size() - Math.max(0, n), gone.size())) {
                out.add(new Action.Place(e.getKey(), "replaces " + i.id() + " (" + i.state().name().toLowerCase() + (i.reason() == null ? "" : ": " + i.reason())
                        + "); " + why));
            }
        }
    }

    /**
     * Moves instances off draining agents: each live one on a draining agent for which
     * {@code why} gives a reason (null: it does not move; else what the placement's reason ends
     * with) gets one of its revision elsewhere, with no backoff and its {@code movedFrom} naming
     * it, and is stopped once that one is available.
     * <p>Where the drain of a live instance is called off, what a move started from it (the
     * instances taking over from it, and from those, and so on) is stopped, unless it is not
     * available and one of them is: then that one is kept, as if the drain had gone on, and the
     * rest are stopped with it. Calling a drain off never stops a serving instance for one that
     * does not serve. The live instance nearest the root of a chain of moves whose drain was
     * called off decides for everything below it, in one decision.
     */
    static void moves(Reconciler.Ctx c, List<InstanceInfo> instances, Set<String> leaving, Function<InstanceInfo, String> why, List<Action> out) {
        Map<String, List<InstanceInfo>> movedTo = new HashMap<>();
        Map<String, InstanceInfo> byId = new HashMap<>();
        for (InstanceInfo i : instances) {
            byId.put(i.id(), i);
            if (i.movedFrom() != null) {
                movedTo.computeIfAbsent(i.movedFrom(), k -> new ArrayList<>()).add(i);
            }
        }
        for (InstanceInfo i : instances) {
            if (!live(i) || calledOffAbove(i, byId, leaving)) {
                continue; // gone, or decided for by a live instance above it whose drain was called off
            }
            String because = why.apply(i);
            if (because == null) {
                continue;
            }
            if (leaving.contains(i.id())) {
                List<InstanceInfo> to = takingOver(i.id(), movedTo, 0);
                if (to.isEmpty()) {
                    out.add(new Action.Place(i.revision(), "replaces " + i.id() + " (" + Reconciler.leaveWhy(c.asked, i.id()) + ")" + because, false, i.id()));
                } else if (to.stream().anyMatch(t -> c.available.contains(t.id()))) {
                    out.add(new Action.Stop(i.id(), Reconciler.leaveWhy(c.asked, i.id()) + ", and " + Reconciler.inItsPlace(c.asked, i.id()) + " took its place"));
                }
                continue;
            }
            // its drain was called off: keep it, unless it is not available and one taking over from it is
            List<InstanceInfo> below = new ArrayList<>();
            below(i.id(), movedTo, below, 0);
            InstanceInfo keep = c.available.contains(i.id()) ? null : below.stream().filter(t -> c.available.contains(t.id())).findFirst().orElse(null);
            if (keep != null) {
                out.add(new Action.Stop(i.id(), "its agent no longer drains, but it is not available and " + keep.id() + ", which took its place, is"));
            }
            for (InstanceInfo t : below) {
                if (t != keep) {
                    out.add(new Action.Stop(t.id(), "it was to take over from " + i.id() + ", whose agent no longer drains"));
                }
            }
        }
    }

    private static boolean live(InstanceInfo i) {
        return !i.state().terminal() && !i.stopRequested() && i.state() != InstanceState.STOPPING;
    }

    /** Whether a live instance that {@code i} takes over from (directly, or through moves that moved on) is on an agent that no longer drains. */
    private static boolean calledOffAbove(InstanceInfo i, Map<String, InstanceInfo> byId, Set<String> leaving) {
        InstanceInfo from = i.movedFrom() == null ? null : byId.get(i.movedFrom());
        for (int depth = 0; from != null && depth < 100; depth++) {
            if (live(from) && !leaving.contains(from.id())) {
                return true;
            }
            from = from.movedFrom() == null ? null : byId.get(from.movedFrom());
        }
        return false;
    }

    /** Every live instance below {@code id} in its chains of moves, live or not in between. */
    private static void below(String id, Map<String, List<InstanceInfo>> movedTo, List<InstanceInfo> out, int depth) {
        for (InstanceInfo t : movedTo.getOrDefault(id, List.of())) {
            if (live(t)) {
                out.add(t);
            }
            if (depth < 100) {
                below(t.id(), movedTo, out, depth + 1);
            }
        }
    }

    /**
     * The live instances taking over from {@code id}: those started in its place, or, for one of
     * them that is gone (moved on in turn as its agent drained too, or lost after it had), those
     * taking over from it.
     */
    private static List<InstanceInfo> takingOver(String id, Map<String, List<InstanceInfo>> movedTo, int depth) {
        List<InstanceInfo> out = new ArrayList<>();
        for (InstanceInfo t : movedTo.getOrDefault(id, List.of())) {
            if (!t.state().terminal() && !t.stopRequested()) {
                out.add(t);
            } else if (depth < 100) {
                out.addAll(takingOver(t.id(), movedTo, depth + 1));
            }
        }
        return out;
    }
}
