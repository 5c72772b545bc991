package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.RolloutRoom;
import dev.steward.api.DeployPlan;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;
import dev.steward.api.RevisionInfo;
import dev.steward.api.RolloutSpec;
import dev.steward.api.RunSpecDiff;
import dev.steward.api.Units;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What a deploy, a rollback or a restart would do ({@link DeployPlan}), worked out by the same decision
 * and checks as the real one ({@link Deploys#decide}, {@link Deploys#rollbackTarget}, {@link Restarts#restartOf}), so a plan
 * is refused exactly as its deploy would be, and nothing is changed: a read on the owner thread.
 * Whether its instances find room is rehearsed on the placement index ({@link
 * ClusterState#rehearse}); a new revision's instances with the room of those they replace counted
 * as free, since those give it back as the rollout goes.
 */
final class Plans {
    private final ClusterState state;
    private final Services services;
    private final Deploys deploys;
    private final Restarts restarts;

    Plans(ClusterState state, Services services, Deploys deploys, Restarts restarts) {
        this.state = state;
        this.services = services;
        this.deploys = deploys;
        this.restarts = restarts;
    }

    /** What {@link Deploys#deploy} would do. */
    DeployPlan deploy(String app, String env, String role, DeployRequest req, Instant now) {
        return describe(deploys.decide(app, env, role, req, now), null, null);
    }

    /** What {@link Deploys#rollback} would do: a new revision with the spec of revision {@code to} (by default, back from what runs). */
    DeployPlan rollback(String name, Integer to) {
        ServiceRecord s = services.record(name);
        deploys.refuseWhileDeleting(s);
        RevisionInfo r = deploys.rollbackTarget(s, to);
        RolloutSpec rollout = deploys.rollbackRollout(s);
        deploys.fitsLimit(name, s.role(), rollout, r.spec().allocation(s.role(), Services.allocationName(s.app(), s.env(), null)).parseNew().shape(), s.instances(), true);
        DeploymentInfo running = deploys.running(s);
        RevisionInfo targeted = deploys.targeted(s, running);
        Deploys.Decision d = new Deploys.Decision(Deploys.Kind.NEW_REVISION, name, false, s, deploys.rollbackSpec(s, r), r.spec().allocation(s.role(), Services.allocationName(s.app(), s.env(), null),
                s.priorityValue()).parse(), rollout, DeployRequest.OnConflict.SUPERSEDE, s.instances(), null, running, targeted, null);
        return describe(d, r.number(), null);
    }

    /** What {@link Restarts#restart} would do: a new revision with the spec of the one that runs, over every instance. */
    DeployPlan restart(String name, dev.steward.api.RestartRequest req) {
        Restarts.Restart r = restarts.restartOf(name, req);
        ServiceRecord s = r.service();
        Deploys.Decision d = new Deploys.Decision(Deploys.Kind.NEW_REVISION, name, false, s, r.spec(), r.spec().allocation(s.role(), Services.allocationName(s.app(), s.env(), null),
                s.priorityValue()).parse(), r.rollout(), DeployRequest.OnConflict.SUPERSEDE, s.instances(), null, null, r.of(), null);
        DeployPlan p = describe(d, null, r.of().number());
        String caveat = Restarts.unstable(r);
        return caveat.isEmpty() ? p : new DeployPlan(p.service(), p.action(), p.revision(), p.fromRevision(), p.instancesFrom(), p.instancesTo(), p.changes(),
                p.strategy(), p.deployment(), p.placement(), p.message() + caveat);
    }

    /**
     * The plan of a decision; {@code backTo}: the revision a rollback goes back to, {@code restartOf}:
     * the revision a restart runs again; both null for a deploy.
     */
    private DeployPlan describe(Deploys.Decision d, Integer backTo, Integer restartOf) {
        ServiceRecord s = d.service();
        DeployPlan.Action action = d.created() ? DeployPlan.Action.CREATE : switch (d.kind()) {
            case NOOP -> DeployPlan.Action.NONE;
            case SCALE -> DeployPlan.Action.SCALE;
            case RETRY -> DeployPlan.Action.RETRY;
            case NEW_REVISION -> restartOf != null ? DeployPlan.Action.RESTART : DeployPlan.Action.NEW_REVISION;
        };
        boolean fresh = d.kind() == Deploys.Kind.NEW_REVISION;
        int revision = fresh ? s.nextRevision() : d.targeted().number();
        int from = d.created() ? 0 : s.instances();
        DeploymentInfo running = d.running();
        boolean again = d.kind() == Deploys.Kind.RETRY;
        String strategy = (d.kind() == Deploys.Kind.SCALE || again) && running == null ? "rolling" // a scale's deployment rolls, whatever was asked (Deploys#scale)
                : d.rollout().type().name().toLowerCase(Locale.ROOT);
        String deployment = null;
        if (running != null) {
            String which = "deployment " + running.id() + " (revision " + running.revision() + ", " + running.state().name().toLowerCase(Locale.ROOT) + ")";
            deployment = !fresh ? which + " goes on" : d.rule() == DeployRequest.OnConflict.WAIT ? "queued behind " + which : "supersedes " + which;
        }
        List<String> placed = d.created() ? List.of() : services.instancesOf(d.name()).stream()
                .filter(i -> !i.state().terminal() && i.allocationId() != null).map(InstanceInfo::allocationId).toList();
        int needed = fresh ? d.count() : d.kind() == Deploys.Kind.SCALE ? Math.max(0, d.count() - from) : again ? Math.max(0, d.count() - placed.size())
                : d.reprioritizes() ? waiting(d.name()) : 0; // a new priority alone: do the instances waiting for a place find it now?
        List<String> replaced = fresh ? placed : List.of();
        RolloutRoom room = room(d.rollout(), needed, replaced);
        DeployPlan.Placement placement = needed == 0 ? null : state.rehearse(d.asked(), needed, room);
        String count = Units.count(d.count(), "instance");
        String what = switch (action) {
            case CREATE -> "would create " + d.name() + ": revision 1, " + count + ", " + strategy;
            case RESTART -> "would restart " + d.name() + ": revision " + restartOf + "'s package and config as revision " + revision + ", every one of its "
                    + count + " replaced (" + strategy + ")";
            case NEW_REVISION -> (backTo != null ? "would roll " + d.name() + " back to revision " + backTo + " as revision " + revision
                    : "would deploy revision " + revision + " of " + d.name()) + " (" + count + ", " + strategy + ")" + (deployment == null ? "" : "; " + deployment);
            case SCALE -> "would scale " + d.name() + " from " + from + " to " + count + "; revision " + revision + " unchanged"
                    + (running != null ? ", and the deployment under way goes on with the new count" : ", in a rolling deployment");
            case RETRY -> {
                DeploymentInfo last = deploys.unfinished(s);
                yield "would deploy revision " + revision + " of " + d.name() + " again (" + count + ", rolling): its last deployment, " + last.id() + ", "
                        + Deploys.ended(last) + ", and no deployment runs";
            }
            case NONE -> (d.reprioritizes() ? "nothing else to do" : "nothing to do") + ": revision " + revision
                    + (running != null ? " is already rolling out" : " already runs") + " with this package and config";
        };
        if (d.reprioritizes()) {
            what = "would set priority " + s.priorityValue() + " (was " + d.priorityWas() + "); " + what;
        }
        String how = placement == null || placement.fit() == placement.tried() || replaced.isEmpty() ? "" : how(d.rollout(), room);
        List<DeployPlan.FieldChange> changes = new java.util.ArrayList<>(fresh ? RunSpecDiff.between(d.targeted() == null ? null : d.targeted().spec(),
                d.spec()) : List.of());
        if (d.reprioritizes() || d.created() && s.priorityValue() != dev.steward.api.Limits.DEFAULT_PRIORITY) { // the service's, listed with what runs
            changes.add(new DeployPlan.FieldChange("priority", d.created() ? null : Integer.toString(d.priorityWas()), Integer.toString(s.priorityValue())));
        }
        return new DeployPlan(d.name(), action, revision, d.targeted() == null ? null : d.targeted().number(), from, d.count(),
                List.copyOf(changes), strategy, deployment, placement, what + (placement == null ? "" : "; " + room(placement) + how));
    }

    /** How many live instances of service {@code name} wait for a place (asked, not yet placed). */
    private int waiting(String name) {
        return (int) services.instancesOf(name).stream().filter(i -> !i.state().terminal() && !i.stopRequested() && i.allocationId() == null).count();
    }

    /**
     * How the rollout gives back the room of the instances it replaces ({@code replaced}, oldest
     * first), as the reconciler goes: a recreate stops them all first; a blue/green starts every
     * new instance beside them; a rolling update stops maxUnavailable of them (the newest, as the
     * reconciler does) and starts new ones in their room, then replaces the rest as they go, or,
     * with maxUnavailable 0, needs room for maxSurge beside them before any stops; a canary runs
     * its largest step beside them, then rolls the rest.
     */
    static RolloutRoom room(RolloutSpec r, int needed, List<String> replaced) {
        if (replaced.isEmpty()) {
            return RolloutRoom.beside(needed);
        }
        List<String> newestFirst = new java.util.ArrayList<>(replaced);
        java.util.Collections.reverse(newestFirst);
        return switch (r.type()) {
            case RECREATE -> new RolloutRoom(replaced, 0, List.of());
            case BLUEGREEN -> new RolloutRoom(List.of(), needed, replaced);
            case CANARY -> new RolloutRoom(List.of(), r.steps() == null ? 0 : r.steps().stream().mapToInt(s -> Math.min(s.count(needed), needed)).max().orElse(0), replaced);
            case ROLLING -> {
                // the first wave stops maxUnavailable old instances and starts as many new ones in their room, and maxSurge more that
                // may wait for room without holding the rollout up; with none unavailable, nothing stops until a surge instance runs
                int first = Math.min(r.unavailable(needed), newestFirst.size());
                yield new RolloutRoom(newestFirst.subList(0, first), first > 0 ? Math.min(first, needed) : Math.min(r.surge(needed), needed),
                        newestFirst.subList(first, newestFirst.size()));
            }
        };
    }

    /** Why instances that would fit once the old ones are gone may not: how the strategy counts their room. */
    private static String how(RolloutSpec r, RolloutRoom room) {
        return switch (r.type()) {
            case RECREATE -> "";
            case BLUEGREEN -> " (a blue/green rollout starts every new instance beside the ones it replaces)";
            case CANARY -> " (a canary runs its largest step, " + Units.count(room.beside(), "instance") + ", beside the ones it replaces)";
            case ROLLING -> room.freedFirst().isEmpty()
                    ? " (with maxUnavailable 0, this rolling update starts " + Units.count(room.beside(), "instance") + " beside the ones it replaces"
                    + " before it stops any)"
                    : " (this rolling update stops " + room.freedFirst().size() + " and starts new ones in their room, then replaces the rest as they go)";
        };
    }

    /** One sentence on whether the instances find room now. */
    static String room(DeployPlan.Placement p) {
        String of = p.tried() < p.needed() ? " (of the first " + p.tried() + " of " + p.needed() + " tried)" : "";
        String fit = p.fit() == p.tried() ? (p.tried() == 1 ? "the instance finds" : "all " + p.tried() + " instances find") + " room now" + of
                : "only " + p.fit() + " of " + p.tried() + " instances find room now" + of + (p.partial() ? ", though a regex constraint was not run on every agent" : "");
        if (p.preempted() > 0) {
            fit += ", by preempting " + Units.count(p.preempted(), "preemptible allocation") + " of a lower priority";
        }
        return p.heldBy() == null ? fit : fit + ", but " + p.heldBy();
    }
}
