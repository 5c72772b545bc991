package dev.steward.allocator.deploy;

import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.Units;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The reconciler's part for a service with no rollout under way: pure, as {@link Reconciler} is. */
final class Steady {
    private Steady() {
    }

    /**
     * No rollout under way: keep the wanted count of the service's revision, replacing lost and
     * failed instances after the backoff, and stop every instance of another revision (an
     * aborted canary's, a rollout's that was cut short) as soon as the service's own revision
     * covers for it: an available one of another revision is kept only while the service's
     * revision has fewer available instances than wanted. An instance on a draining agent (or one
     * a fresh instance was asked for in place of, {@code asked}) is moved the same way: one is started elsewhere at once, with no backoff, and the draining
     * one is kept while it is needed, so a drain never takes a service below what it had.
     */
    static void decide(ServiceView svc, List<InstanceInfo> instances, Set<String> leaving, java.util.Map<String, String> asked, Set<String> available,
                       Instant now, List<Action> out) {
        List<InstanceInfo> current = new ArrayList<>();
        List<InstanceInfo> others = new ArrayList<>();
        List<InstanceInfo> moving = new ArrayList<>();
        InstanceInfo lastEnded = null;
        for (InstanceInfo i : instances) {
            boolean live = !i.state().terminal() && !i.stopRequested() && i.state() != InstanceState.STOPPING;
            if (i.revision() != svc.revision()) {
                if (live) {
                    others.add(i);
                }
                continue;
            }
            if (live && leaving.contains(i.id())) {
                moving.add(i);
                continue;
            }
            if (live) {
                current.add(i);
            } else if ((i.state() == InstanceState.FAILED || i.state() == InstanceState.LOST) && !i.stopRequested()
                    && (lastEnded == null || i.endedAt() != null && lastEnded.endedAt() != null && i.endedAt().isAfter(lastEnded.endedAt()))) {
                lastEnded = i;
            }
        }
        long currentAvailable = current.stream().filter(i -> available.contains(i.id())).count();
        long keep = Math.max(0, svc.instances() - currentAvailable);
        for (InstanceInfo i : moving) { // the service's own revision: kept before another revision's
            if (available.contains(i.id()) && keep > 0) {
                keep--;
            } else {
                out.add(new Action.Stop(i.id(), Reconciler.leaveWhy(asked, i.id()) + ", and " + Reconciler.inItsPlace(asked, i.id()) + " "
                        + (available.contains(i.id()) ? "took its place" : "is started in its place")));
            }
        }
        List<InstanceInfo> extra = new ArrayList<>();
        for (InstanceInfo i : others) {
            if (available.contains(i.id()) && keep > 0) {
                keep--;
            } else {
                extra.add(i);
            }
        }
        for (InstanceInfo i : extra) {
            out.add(new Action.Stop(i.id(), "revision " + i.revision() + " is not the service's revision " + svc.revision()));
        }
        if (current.size() > svc.instances()) {
            Reconciler.stopExtra(current, current.size() - svc.instances(), available, "more than the " + Units.count(svc.instances(), "instance")
                    + " wanted run (a move that is no longer needed, or a scale cut short)", out);
            return;
        }
        int missing = svc.instances() - current.size();
        if (missing <= 0) {
            return;
        }
        int moves = Math.min(missing, moving.size());
        for (int k = 0; k < moves; k++) { // no backoff: nothing failed
            out.add(new Action.Place(svc.revision(), "replaces " + moving.get(k).id() + " (" + Reconciler.leaveWhy(asked, moving.get(k).id()) + ")", false,
                    moving.get(k).id()));
        }
        if (missing == moves || lastEnded != null && svc.replaceNotBefore() != null && now.isBefore(svc.replaceNotBefore())) {
            return; // backoff after a failure
        }
        for (int k = moves; k < missing; k++) {
            out.add(new Action.Place(svc.revision(), lastEnded == null ? null : "replaces " + lastEnded.id() + " (" + lastEnded.state().name().toLowerCase()
                    + (lastEnded.reason() == null ? "" : ": " + lastEnded.reason()) + ")"));
        }
    }
}
