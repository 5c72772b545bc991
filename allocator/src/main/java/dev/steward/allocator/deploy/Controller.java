package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.api.AllocationInfo;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RequestInfo;
import dev.steward.api.RevisionInfo;
import dev.steward.api.ValidationException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The effects half of deployments, on the state's owner thread: observes each instance through
 * its request, allocation and task ({@link InstanceObserver}); asks the {@link Reconciler};
 * applies the actions by submitting and cancelling requests, adding and stopping tasks,
 * releasing allocations, and updating the records. Writes only what changed, so a quiet tick
 * writes nothing.
 */
final class Controller {
    /** How long an instance's allocation is leased; renewed when half of it is left. */
    static final Duration LEASE = Duration.ofDays(30);
    private final ClusterState state;
    private final Services services;
    private final InstanceObserver observer;

    Controller(ClusterState state, Services services) {
        this.state = state;
        this.services = services;
        this.observer = new InstanceObserver(state, services);
    }

    /** One pass over a service; true if anything changed. */
    boolean reconcile(ServiceRecord s, Instant now) {
        boolean changed = false;
        for (InstanceInfo i : services.instancesOf(s.name())) {
            if (!i.state().terminal()) {
                changed |= observer.observe(i, now);
            }
        }
        ServiceRecord svc = services.record(s.name());
        DeploymentInfo d = svc.deployment() == null ? null : services.deploymentRecord(svc.deployment());
        if (d != null && d.gate() != null && d.gate().verdict() == null) {
            dev.steward.api.MonitorReport m = state.monitors().getOrNull(d.gate().monitor());
            if (m != null && !m.running()) {
                d = Rollouts.event(Rollouts.gate(d, new DeploymentInfo.Gating(d.gate().step(), m.id(), m.verdict(), m.reason())), now,
                        "canary step " + (d.step() + 1) + " gate: " + m.verdict() + ": " + m.reason());
                services.putDeployment(d);
                changed = true;
            }
        }
        List<InstanceInfo> all = services.instancesOf(svc.name());
        java.util.Set<String> leaving = new java.util.HashSet<>();
        java.util.Map<String, String> asked = new java.util.HashMap<>();
        for (InstanceInfo i : all) {
            dev.steward.api.AllocationInfo al = i.allocationId() == null || i.state().terminal() ? null : state.allocationOrNull(i.allocationId());
            if (al != null && al.state() == dev.steward.api.AllocationState.LEAVING) {
                leaving.add(i.id()); // its agent is draining, or a fresh instance was asked for in its place: the allocation is asked to leave
                if (al.reason() != null && al.reason().startsWith(ClusterState.RESTARTED)) {
                    asked.put(i.id(), al.reason());
                }
            }
        }
        DeploymentInfo last = d != null ? d : services.lastDeployment(svc.name());
        List<Action> actions = Reconciler.decide(svc.view(last == null ? null : last.rollout()), d, all, leaving, asked, now);
        for (Action a : actions) {
            changed |= apply(svc.name(), a, now);
        }
        changed |= refreshCounts(svc.name(), svc.deployment());
        changed |= startQueued(svc.name(), now);
        return changed;
    }

    /**
     * When time alone could next change what {@link #reconcile} does for this service: at the
     * next tick ({@code now}) while anything is in motion (a deployment or a queued one, a
     * replacement backoff, an instance not yet available, of another revision, or a count not
     * yet what is wanted); otherwise when the first of its instances' leases needs renewing.
     * Changes to its records, instances, requests, allocations, tasks and monitors reconcile it
     * anyway, through the command that makes them.
     */
    Instant nextDue(String name, Instant now) {
        ServiceRecord s = services.record(name);
        if (s.deployment() != null || !s.queued().isEmpty() || s.replaceNotBefore() != null && now.isBefore(s.replaceNotBefore())) {
            return now;
        }
        Instant next = now.plus(LEASE.dividedBy(2));
        int live = 0;
        for (InstanceInfo i : services.instancesOf(name)) {
            if (i.state().terminal()) {
                continue;
            }
            live++;
            AllocationInfo a = i.allocationId() == null ? null : state.allocationOrNull(i.allocationId());
            if (i.availableAt() == null || i.revision() != s.revision() || i.stopRequested() || a == null || a.state().terminal()) {
                return now;
            }
            Instant renew = a.expiresAt().minus(LEASE.dividedBy(2));
            if (renew.isBefore(next)) {
                next = renew;
            }
        }
        return live == s.instances() ? next : now;
    }

    // ---------------------------------------------------------------- acting

    /** Carries out one action; false only when it was held back (an instance not asked for while its role's backlog is full). */
    private boolean apply(String service, Action a, Instant now) {
        ServiceRecord s = services.record(service);
        DeploymentInfo d = s.deployment() == null ? null : services.deploymentRecord(s.deployment());
        if (a instanceof Action.Place p) {
            return place(s, p, now);
        } else if (a instanceof Action.Stop st) {
            InstanceInfo i = services.instanceRecord(st.instance());
            InstanceInfo stopping = Rollouts.instance(i, InstanceState.STOPPING, st.reason(), now);
            if (i.taskId() != null) {
                state.tasks().stop(i.taskId(), st.reason());
            }
            services.putInstance(stopping);
            observer.observe(stopping, now);
            event(d, now, "stopping " + i.id() + " (revision " + i.revision() + "): " + st.reason());
        } else if (a instanceof Action.MarkAvailable m) {
            InstanceInfo i = services.instanceRecord(m.instance());
            services.putInstance(Rollouts.instance(i, InstanceState.HEALTHY, "available", now));
            if (d != null && !d.state().terminal()) {
                services.putDeployment(Rollouts.event(Rollouts.progressed(d, now), now, "instance " + i.id() + " of revision " + i.revision()
                        + " is available" + (i.host() == null ? "" : " at " + i.where())));
            }
        } else if (a instanceof Action.Step st) {
            services.putDeployment(Rollouts.event(Rollouts.step(d, st.step(), st.pausedUntil(), st.waitForPromote(), now), now, st.message()));
        } else if (a instanceof Action.StartGate g) {
            java.time.Duration interval = g.duration().dividedBy(5);
            if (interval.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
                interval = java.time.Duration.ofSeconds(1);
            }
            if (interval.compareTo(java.time.Duration.ofSeconds(10)) > 0) {
                interval = java.time.Duration.ofSeconds(10);
            }
            if (interval.compareTo(g.duration()) > 0) {
                interval = g.duration();
            }
            String iv = interval.toMillis() + "ms";
            dev.steward.api.MonitorSpec spec = new dev.steward.api.MonitorSpec(g.gates(), g.duration().toMillis() + "ms", iv,
                    interval.multipliedBy(3).toMillis() + "ms", 0, null, null, null, null, null, null, null, false);
            String id = state.newId();
            state.monitors().put(new dev.steward.api.MonitorReport(id, service, spec, true, null, "the gate of canary step " + (g.step() + 1), now,
                    now.plus(g.duration()), null, List.of(), null, 0, 0));
            services.putDeployment(Rollouts.event(Rollouts.gate(d, new DeploymentInfo.Gating(g.step(), id, null, null)), now,
                    "canary step " + (g.step() + 1) + ": monitor " + id + " watches " + String.join("; ", g.gates()) + " for "
                            + dev.steward.api.Units.format(g.duration())));
            services.gateStarter().start(id, service, spec);
        } else if (a instanceof Action.Switch sw) {
            services.putDeployment(Rollouts.event(Rollouts.switched(d, sw.revision(), now), now, "switched: discovery now lists revision " + sw.revision()));
            services.putService(s.with(s.instances(), s.revision(), s.stable(), sw.revision(), s.deployment(), s.queued(), s.replaceNotBefore(),
                    s.failures(), s.nextRevision(), now, state.nextIndex()));
        } else if (a instanceof Action.Succeed ok) {
            services.putDeployment(Rollouts.event(Rollouts.state(d, DeploymentState.SUCCEEDED, ok.message(), now), now, "succeeded: " + ok.message()));
            services.markStable(service, d.revision());
            services.putService(s.with(s.instances(), d.revision(), d.revision(), d.revision(), null, s.queued(), null, 0, s.nextRevision(), now,
                    state.nextIndex()));
        } else if (a instanceof Action.Fail f) {
            services.putDeployment(Rollouts.event(Rollouts.state(d, DeploymentState.FAILED, f.reason(), now), now, "failed: " + f.reason()));
            services.putService(s.with(s.instances(), s.revision(), s.stable(), s.active(), null, s.queued(), s.replaceNotBefore(), s.failures(),
                    s.nextRevision(), now, state.nextIndex()));
        } else if (a instanceof Action.RollBack b) {
            state.stats().rollback();
            services.putDeployment(Rollouts.event(Rollouts.state(d, DeploymentState.ROLLING_BACK, b.reason(), now), now,
                    "failed: " + b.reason() + "; rolling back to revision " + d.stableRevision()));
        } else if (a instanceof Action.RolledBack b) {
            services.putDeployment(Rollouts.event(Rollouts.state(d, DeploymentState.ROLLED_BACK, null, now), now, "rolled back: " + b.message()));
            services.putService(s.with(s.instances(), d.stableRevision(), s.stable(), d.stableRevision(), null, s.queued(), null, 0, s.nextRevision(), now,
                    state.nextIndex()));
        }
        return true;
    }

    /**
     * Asks for a new instance's allocation, unless the service's role already has as many
     * requests pending as it may ({@link dev.steward.allocator.state.StateConfig#maxPendingPerRole}):
     * then no instance is made (false), the deployment says why once, and the next pass asks
     * again, as the backlog is placed or cancelled. So a service of 10,000 instances on a small
     * cluster waits in the same bound as a client's requests, and every pass stays cheap.
     */
    private boolean place(ServiceRecord s, Action.Place p, Instant now) {
        int pending = state.pendingCount(s.role());
        int bound = state.config().maxPendingPerRole();
        if (pending >= bound) {
            DeploymentInfo d = s.deployment() == null ? null : services.deploymentRecord(s.deployment());
            String why = "waiting to ask for more instances: role '" + s.role() + "' has " + pending + " requests pending, the most a role may have "
                    + "(the allocator's --max-pending-per-role); more are asked for as those are placed or cancelled";
            if (d != null && !d.state().terminal() && (d.events() == null || d.events().isEmpty() || !why.equals(d.events().get(d.events().size() - 1).message()))) {
                event(d, now, why);
            }
            return false;
        }
        RevisionInfo rev = services.revisionRecord(Services.revisionId(s.name(), p.revision()));
        String id = state.newId();
        String digest = rev.spec().packageDigest();
        InstanceInfo i = new InstanceInfo(id, s.name(), p.revision(), digest, rev.buildUrl(), InstanceState.PENDING, null, null, null, null, null,
                Map.of(), null, null, p.replacing() == null ? "asking for an allocation" : p.replacing(), false, now, null, p.movedFrom(), null, state.nextIndex(),
                state.nextIndex());
        try {
            RequestInfo r = state.submit(s.role(), rev.spec().allocation(s.role(), Services.allocationName(s.app(), s.env(), id), s.priorityValue()), now);
            i = new InstanceInfo(id, i.service(), i.revision(), digest, i.buildUrl(), i.state(), r.id(), null, null, null, null, Map.of(), null, null,
                    i.reason(), false, now, null, i.movedFrom(), null, i.createIndex(), i.modifyIndex());
        } catch (ValidationException | dev.steward.allocator.state.NotFound e) {
            i = Rollouts.instance(i, InstanceState.FAILED, "its allocation could not be asked for: " + e.getMessage(), now);
        }
        services.putInstance(i);
        if (p.failed()) {
            state.stats().replaced();
            ReplacementBackoff b = ReplacementBackoff.after(s.failures(), s.replaceNotBefore(), now);
            services.putService(s.with(s.instances(), s.revision(), s.stable(), s.active(), s.deployment(), s.queued(), b.notBefore(), b.replacements(),
                    s.nextRevision(), now, state.nextIndex()));
        }
        DeploymentInfo d = s.deployment() == null ? null : services.deploymentRecord(s.deployment());
        event(d, now, "starting " + id + " (revision " + p.revision() + ")" + (p.replacing() == null ? "" : ": " + p.replacing()));
        return true;
    }

    private void event(DeploymentInfo d, Instant now, String message) {
        event(services, d, now, message);
    }

    /** Adds {@code message} to the log of deployment {@code d} as stored now, unless it has ended. */
    static void event(Services services, DeploymentInfo d, Instant now, String message) {
        if (d != null && !d.state().terminal()) {
            services.putDeployment(Rollouts.event(services.deploymentRecord(d.id()), now, message));
        }
    }

    /** Keeps the deployment's instance counts current (written only when they change). */
    private boolean refreshCounts(String service, String deployment) {
        ServiceRecord s = services.record(service);
        if (deployment == null) {
            return false;
        }
        DeploymentInfo d = services.deploymentRecord(deployment);
        int target = d.state() == DeploymentState.ROLLING_BACK ? d.stableRevision() : d.revision();
        int oldN = 0;
        int newN = 0;
        int oldA = 0;
        int newA = 0;
        List<InstanceInfo> all = services.instancesOf(service);
        Set<String> moving = Reconciler.takingOver(all); // a move shows once, by the one moving, as the reconciler counts it
        for (InstanceInfo i : all) {
            if (i.state().terminal() || i.stopRequested() || moving.contains(i.id())) {
                continue;
            }
            boolean fresh = i.revision() == target;
            boolean avail = i.state() == InstanceState.HEALTHY;
            if (fresh) {
                newN++;
                newA += avail ? 1 : 0;
            } else {
                oldN++;
                oldA += avail ? 1 : 0;
            }
        }
        if (d.desired() == s.instances() && d.oldInstances() == oldN && d.newInstances() == newN && d.oldAvailable() == oldA && d.newAvailable() == newA) {
            return false;
        }
        services.putDeployment(Rollouts.counts(d, s.instances(), oldN, newN, oldA, newA));
        return true;
    }

    /** When no deployment runs, the oldest queued one starts. */
    private boolean startQueued(String service, Instant now) {
        ServiceRecord s = services.record(service);
        if (s.deployment() != null || s.queued().isEmpty()) {
            return false;
        }
        List<String> rest = new ArrayList<>(s.queued());
        DeploymentInfo next = services.deploymentRecord(rest.remove(0));
        DeploymentInfo started = Rollouts.restarted(next, s, now);
        services.putDeployment(Rollouts.event(Rollouts.state(started, DeploymentState.RUNNING, null, now), now,
                "started: the deployment it waited for has ended"));
        services.putService(s.with(next.desired(), next.revision(), s.stable(), s.active(), next.id(), rest, null, 0, s.nextRevision(), now,
                state.nextIndex()));
        return true;
    }
}
