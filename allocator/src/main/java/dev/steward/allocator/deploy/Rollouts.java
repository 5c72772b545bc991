package dev.steward.allocator.deploy;

import dev.steward.api.DeploymentEvent;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure updates of deployment and instance records, each through the transition tables: what
 * the controller and the simulation in the property tests both apply. Events are kept on the
 * record, the latest {@link #KEPT_EVENTS}.
 */
public final class Rollouts {
    public static final int KEPT_EVENTS = 200;

    private Rollouts() {
    }

    public static DeploymentInfo event(DeploymentInfo d, Instant now, String message) {
        List<DeploymentEvent> ev = new ArrayList<>(d.events() == null ? List.of() : d.events());
        long seq = d.lastEvent() + 1;
        ev.add(new DeploymentEvent(seq, now, message));
        while (ev.size() > KEPT_EVENTS) {
            ev.remove(0);
        }
        return with(d, d.state(), d.step(), d.reason(), now, d.progressAt(), d.pausedUntil(), d.activeRevision(), d.switchedAt(), seq, ev);
    }

    public static DeploymentInfo state(DeploymentInfo d, DeploymentState to, String reason, Instant now) {
        DeployTransitions.check(d.state(), to);
        return with(d, to, d.step(), reason != null ? reason : d.reason(), now, (to == DeploymentState.RUNNING && d.state() != DeploymentState.RUNNING)
                || to == DeploymentState.ROLLING_BACK ? now : d.progressAt(), to == DeploymentState.RUNNING ? null : d.pausedUntil(), d.activeRevision(), d.switchedAt(), d.lastEvent(),
                d.events());
    }

    public static DeploymentInfo progressed(DeploymentInfo d, Instant now) {
        return with(d, d.state(), d.step(), d.reason(), now, now, d.pausedUntil(), d.activeRevision(), d.switchedAt(), d.lastEvent(), d.events());
    }

    public static DeploymentInfo step(DeploymentInfo d, int step, Instant pausedUntil, boolean waitForPromote, Instant now) {
        DeploymentState to = waitForPromote ? DeploymentState.PAUSED : d.state();
        DeployTransitions.check(d.state(), to);
        // a pause the reconciler decides begins just after its instant: that reconcile saw every change made at it (a loss it
        // counted without), while a pause a person asks for begins at its instant (a loss after it, at the same instant, is owed)
        return with(d, to, step, d.reason(), now, now.plusNanos(1), step != d.step() ? now : d.progressAt(), pausedUntil, d.activeRevision(),
                d.switchedAt(), d.lastEvent(), d.events());
    }

    public static DeploymentInfo switched(DeploymentInfo d, int revision, Instant now) {
        return with(d, d.state(), d.step(), d.reason(), now, now, d.pausedUntil(), revision, now, d.lastEvent(), d.events());
    }

    /** A promote of a paused canary: on to the next step. */
    public static DeploymentInfo promoted(DeploymentInfo d, Instant now) {
        DeploymentInfo r = state(d, DeploymentState.RUNNING, null, now);
        return with(r, r.state(), d.step() + 1, r.reason(), now, now, null, r.activeRevision(), r.switchedAt(), r.lastEvent(), r.events());
    }

    /** The gate of the current step: its monitor, and later its verdict. */
    public static DeploymentInfo gate(DeploymentInfo d, DeploymentInfo.Gating g) {
        return new DeploymentInfo(d.id(), d.service(), d.revision(), d.fromRevision(), d.stableRevision(), d.rollout(), d.state(), d.step(), d.reason(),
                d.createdBy(), d.createdAt(), d.updatedAt(), d.progressAt(), d.pausedUntil(), d.pausedAt(), d.activeRevision(), d.switchedAt(), d.desired(),
                d.oldInstances(), d.newInstances(), d.oldAvailable(), d.newAvailable(), d.lastEvent(), d.events(), g, d.createIndex(), d.modifyIndex());
    }

    public static DeploymentInfo counts(DeploymentInfo d, int desired, int oldN, int newN, int oldA, int newA) {
        return new DeploymentInfo(d.id(), d.service(), d.revision(), d.fromRevision(), d.stableRevision(), d.rollout(), d.state(), d.step(), d.reason(),
                d.createdBy(), d.createdAt(), d.updatedAt(), d.progressAt(), d.pausedUntil(), d.pausedAt(), d.activeRevision(), d.switchedAt(), desired, oldN, newN,
                oldA, newA, d.lastEvent(), d.events(), d.gate(), d.createIndex(), d.modifyIndex());
    }

    public static DeploymentInfo indexed(DeploymentInfo d, long modifyIndex) {
        return new DeploymentInfo(d.id(), d.service(), d.revision(), d.fromRevision(), d.stableRevision(), d.rollout(), d.state(), d.step(), d.reason(),
                d.createdBy(), d.createdAt(), d.updatedAt(), d.progressAt(), d.pausedUntil(), d.pausedAt(), d.activeRevision(), d.switchedAt(), d.desired(),
                d.oldInstances(), d.newInstances(), d.oldAvailable(), d.newAvailable(), d.lastEvent(), d.events(), d.gate(), d.createIndex(), modifyIndex);
    }

    private static DeploymentInfo with(DeploymentInfo d, DeploymentState state, int step, String reason, Instant now, Instant progressAt,
                                       Instant pausedUntil, Integer active, Instant switchedAt, long lastEvent, List<DeploymentEvent> events) {
        return with(d, state, step, reason, now, now, progressAt, pausedUntil, active, switchedAt, lastEvent, events);
    }

    /** {@code pauseStarts}: when the pause begins if this enters PAUSED. */
    private static DeploymentInfo with(DeploymentInfo d, DeploymentState state, int step, String reason, Instant now, Instant pauseStarts,
                                       Instant progressAt, Instant pausedUntil, Integer active, Instant switchedAt, long lastEvent,
                                       List<DeploymentEvent> events) {
        return new DeploymentInfo(d.id(), d.service(), d.revision(), d.fromRevision(), d.stableRevision(), d.rollout(), state, step, reason, d.createdBy(),
                d.createdAt(), now, progressAt, pausedUntil, pausedAt(d, state, pauseStarts), active, switchedAt, d.desired(), d.oldInstances(), d.newInstances(), d.oldAvailable(),
                d.newAvailable(), lastEvent, events, step == d.step() ? d.gate() : null, d.createIndex(), d.modifyIndex());
    }

    /** When a deployment entered PAUSED: kept while it stays paused, null once it runs or ends. */
    private static Instant pausedAt(DeploymentInfo d, DeploymentState to, Instant now) {
        if (to != DeploymentState.PAUSED) {
            return null;
        }
        return d.state() == DeploymentState.PAUSED && d.pausedAt() != null ? d.pausedAt() : now;
    }

    // ---------------------------------------------------------------- instances

    public static InstanceInfo instance(InstanceInfo i, InstanceState to, String reason, Instant now) {
        DeployTransitions.check(i.state(), to);
        Instant healthySince = to == InstanceState.UNHEALTHY || to.terminal() || to == InstanceState.STOPPING ? null : i.healthySince();
        return new InstanceInfo(i.id(), i.service(), i.revision(), i.packageDigest(), i.buildUrl(), to, i.requestId(), i.allocationId(), i.taskId(),
                i.agentId(), i.host(), i.ports(), healthySince, to == InstanceState.HEALTHY ? now : i.availableAt(), reason != null ? reason : i.reason(),
                i.stopRequested() || to == InstanceState.STOPPING, i.createdAt(), to.terminal() ? now : i.endedAt(), i.movedFrom(), i.placedAt(), i.createIndex(), i.modifyIndex());
    }

    /** The instance with {@code why} as its reason (itself when that is its reason already); no transition. */
    public static InstanceInfo reason(InstanceInfo n, String why) {
        if (why.equals(n.reason())) {
            return n;
        }
        return new InstanceInfo(n.id(), n.service(), n.revision(), n.packageDigest(), n.buildUrl(), n.state(), n.requestId(), n.allocationId(),
                n.taskId(), n.agentId(), n.host(), n.ports(), n.healthySince(), n.availableAt(), why, n.stopRequested(), n.createdAt(), n.endedAt(), n.movedFrom(),
                n.placedAt(), n.createIndex(), n.modifyIndex());
    }

    public static InstanceInfo healthySince(InstanceInfo i, Instant since) {
        return new InstanceInfo(i.id(), i.service(), i.revision(), i.packageDigest(), i.buildUrl(), i.state(), i.requestId(), i.allocationId(), i.taskId(),
                i.agentId(), i.host(), i.ports(), since, i.availableAt(), i.reason(), i.stopRequested(), i.createdAt(), i.endedAt(), i.movedFrom(), i.placedAt(), i.createIndex(),
                i.modifyIndex());
    }

    /** A queued deployment as it starts: from the service as it now stands, its counts and step reset. */
    static DeploymentInfo restarted(DeploymentInfo d, ServiceRecord s, Instant now) {
        return new DeploymentInfo(d.id(), d.service(), d.revision(), s.revision() == 0 ? null : s.revision(), s.stable(), d.rollout(), d.state(), 0, null,
                d.createdBy(), d.createdAt(), now, now, null, null, s.active(), null, d.desired(), 0, 0, 0, 0, d.lastEvent(), d.events(), null,
                d.createIndex(), d.modifyIndex());
    }

}
