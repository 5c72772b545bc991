package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.api.AgentInfo;
import dev.steward.api.AllocationInfo;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.RevisionInfo;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskState;

import java.time.Instant;

/**
 * The observing half of the {@link Controller}, on the state's owner thread: brings each live
 * instance's record up to date with its request, allocation and task (placed, starting, healthy
 * or not, lost, failed, stopped), renews its allocation's lease, starts its task once it is
 * placed, and says in the rollout's log what its followers need to know (a place found in
 * preempted room, a place not found and why, an instance of another revision lost or failed).
 */
final class InstanceObserver {
    private static final java.time.Duration LEASE = Controller.LEASE;
    private final ClusterState state;
    private final Services services;

    InstanceObserver(ClusterState state, Services services) {
        this.state = state;
        this.services = services;
    }

    /** Brings instance {@code i}'s record up to date; true if it changed. */
    boolean observe(InstanceInfo i, Instant now) {
        InstanceInfo n = i;
        if (n.requestId() != null && n.allocationId() == null) {
            RequestInfo r = state.requestOrNull(n.requestId());
            if (r == null || r.state() == RequestState.CANCELLED) {
                n = Rollouts.instance(n, n.stopRequested() ? InstanceState.STOPPED : InstanceState.FAILED,
                        n.stopRequested() ? null : "its allocation request was cancelled", now);
            } else if (n.stopRequested()) {
                state.cancel(r.id(), now);
                n = Rollouts.instance(n, InstanceState.STOPPED, null, now);
            } else if (r.state() == RequestState.PLACED && !r.allocations().isEmpty()) {
                AllocationInfo a = state.allocation(r.allocations().get(0));
                n = withAllocation(n, a, now);
                if (a.preempted() != null) { // whose room it took, said in the rollout's log (their holders see who took it)
                    DeploymentInfo d = deploymentOf(n);
                    if (d != null) {
                        event(d, now, "instance " + n.id() + " of revision " + n.revision() + " is " + a.reason());
                    }
                }
            } else if (r.why() != null) {
                n = Rollouts.reason(n, "not placed yet: " + r.why().summary());
                if (!n.reason().equals(i.reason())) { // said in the rollout's log once per change, not only in the instance list
                    DeploymentInfo d = deploymentOf(n);
                    if (d != null) {
                        event(d, now, "instance " + n.id() + " of revision " + n.revision() + " is " + n.reason()
                                + preemptionHint(services.record(n.service()), n, r, now));
                    }
                }
            }
        }
        if (!n.state().terminal() && n.allocationId() != null) {
            AllocationInfo a = state.allocationOrNull(n.allocationId());
            if (a == null || a.state().terminal()) {
                n = Rollouts.instance(n, n.stopRequested() ? InstanceState.STOPPED : InstanceState.LOST,
                        n.stopRequested() ? null : "its allocation ended: " + (a == null ? "forgotten" : a.state() + ", " + a.reason()), now);
            } else {
                if (a.expiresAt().isBefore(now.plus(LEASE.dividedBy(2)))) {
                    state.renew(a.id(), LEASE, now);
                }
                n = observeTask(n, a, now);
            }
        }
        ended(i, n, now);
        return put(i, n);
    }

    /**
     * An instance lost under a rollout (its agent gone), or an instance of another revision that
     * failed meanwhile, is an event of the rollout, so its followers see why a count dropped. A
     * new instance that fails ends the rollout itself, with the reason.
     */
    private void ended(InstanceInfo before, InstanceInfo now, Instant at) {
        if (before.state().terminal() || !now.state().terminal() || now.stopRequested()
                || now.state() != InstanceState.LOST && now.state() != InstanceState.FAILED) {
            return;
        }
        ServiceRecord s = services.record(now.service());
        DeploymentInfo d = s.deployment() == null ? null : services.deploymentRecord(s.deployment());
        if (d != null && (now.state() == InstanceState.LOST || now.revision() != d.revision())) {
            event(d, at, "instance " + now.id() + " of revision " + now.revision() + (now.state() == InstanceState.LOST ? " was lost" : " failed")
                    + (now.reason() == null ? "" : ": " + now.reason()));
        }
    }

    private InstanceInfo observeTask(InstanceInfo n, AllocationInfo a, Instant now) {
        if (n.taskId() == null) {
            if (n.stopRequested()) {
                state.release(a.id(), "deployment", now);
                return Rollouts.instance(n, InstanceState.STOPPED, null, now);
            }
            RevisionInfo rev = services.revisionRecord(Services.revisionId(n.service(), n.revision()));
            try {
                ServiceRecord svc = services.record(n.service());
                java.util.Map<String, String> secrets = rev.spec().secrets() == null ? null
                        : services.secrets().values(svc.role(), svc.name(), rev.spec().secrets().keySet()); // read as it starts: the values set now
                TaskInfo t = state.tasks().add(a.id(), rev.spec().task(svc.app(), secrets), now);
                InstanceInfo started = Rollouts.instance(n, InstanceState.STARTING, "starting", now);
                return new InstanceInfo(started.id(), started.service(), started.revision(), started.packageDigest(), started.buildUrl(),
                        started.state(), started.requestId(), started.allocationId(), t.id(), started.agentId(), started.host(), started.ports(),
                        started.healthySince(), started.availableAt(), started.reason(), started.stopRequested(), started.createdAt(), started.endedAt(), started.movedFrom(),
                        started.placedAt(), started.createIndex(), started.modifyIndex());
            } catch (RuntimeException e) {
                state.release(a.id(), "deployment", now);
                return Rollouts.instance(n, InstanceState.FAILED, "its task could not start: " + e.getMessage(), now);
            }
        }
        TaskInfo t = state.tasks().getOrNull(n.taskId());
        if (t == null || t.state().terminal()) {
            state.release(a.id(), "deployment", now);
            if (n.stopRequested()) {
                return Rollouts.instance(n, InstanceState.STOPPED, null, now);
            }
            // lost with its agent, or to it: not started there for the host's reasons, it is replaced like one lost, and fails no rollout by itself
            boolean lost = t != null && (t.state() == TaskState.LOST || Boolean.TRUE.equals(t.hostFault()));
            return Rollouts.instance(n, lost ? InstanceState.LOST : InstanceState.FAILED, t == null ? "its task is gone" : t.reason(), now);
        }
        if (n.stopRequested()) {
            return n;
        }
        boolean checked = t.spec().healthCheck() != null;
        // a task with no check is healthy while it runs, unless its agent found a port of its taken by another user's socket
        boolean ok = t.state() == TaskState.RUNNING && (checked ? Boolean.TRUE.equals(t.healthy()) : !Boolean.FALSE.equals(t.healthy()));
        if (ok) {
            if (n.state() == InstanceState.UNHEALTHY) {
                n = Rollouts.instance(n, InstanceState.STARTING, null, now);
            }
            if (n.healthySince() == null) {
                n = Rollouts.healthySince(Rollouts.reason(n, checked ? "health check passing" : "running (no health check)"), now);
            }
            return n;
        }
        String why = t.state() == TaskState.RESTARTING ? "restarting: " + t.reason()
                : Boolean.FALSE.equals(t.healthy()) ? (checked ? "health check failing" : "unhealthy") + (t.reason() == null ? "" : ": " + t.reason())
                : t.state() == TaskState.PENDING ? "its task is starting on the agent"
                : t.restarts() > 0 && t.reason() != null ? "waiting for its health check to pass after " + t.restarts() + " restart(s); last: " + t.reason()
                : "waiting for its health check to pass";
        if (n.state() == InstanceState.HEALTHY) {
            return Rollouts.instance(n, InstanceState.UNHEALTHY, why, now);
        }
        if (n.healthySince() != null) {
            n = Rollouts.healthySince(n, null);
        }
        return Rollouts.reason(n, why);
    }

    /** The deployment under way that rolls out instance {@code n}'s revision, or null. */
    private DeploymentInfo deploymentOf(InstanceInfo n) {
        ServiceRecord s = services.record(n.service());
        DeploymentInfo d = s.deployment() == null ? null : services.deploymentRecord(s.deployment());
        return d != null && d.revision() == n.revision() ? d : null;
    }

    private InstanceInfo withAllocation(InstanceInfo n, AllocationInfo a, Instant now) {
        String host = a.host();
        var agent = host == null ? state.agentOrNull(a.agentId()) : null;
        if (agent != null) { // an allocation stored before it kept its host
            host = AgentInfo.hostOf(agent.attributes());
        }
        return new InstanceInfo(n.id(), n.service(), n.revision(), n.packageDigest(), n.buildUrl(), n.state(), n.requestId(), a.id(), n.taskId(),
                a.agentId(), host, a.ports(), n.healthySince(), n.availableAt(), "placed on " + a.agentName(), n.stopRequested(), n.createdAt(),
                n.endedAt(), n.movedFrom(), now, n.createIndex(), n.modifyIndex());
    }

    private boolean put(InstanceInfo before, InstanceInfo after) {
        if (after.equals(before)) {
            return false;
        }
        services.putInstance(after);
        return true;
    }

    /** The hint worked out last, per service and revision, in the pass at {@link #hintsAt}: one search per pass, not per instance. */
    private final java.util.Map<String, java.util.Optional<Integer>> hints = new java.util.HashMap<>();
    private Instant hintsAt;

    /**
     * What a priority would do for instance {@code n}, which found no place, when preemptible
     * allocations hold room it could take at a priority above its service's (and within its
     * role's cap): "; preemptible allocations hold room for it: priority 51 or more would take it
     * (steward deploy --priority)". Else "". Said once, in the event of a changed reason.
     */
    private String preemptionHint(ServiceRecord s, InstanceInfo n, RequestInfo r, Instant now) {
        if (!now.equals(hintsAt)) {
            hints.clear();
            hintsAt = now;
        }
        Integer p = hints.computeIfAbsent(s.name() + "#" + n.revision(), k -> java.util.Optional.ofNullable(state.preemptingPriority(r.id()))).orElse(null);
        return p == null || p <= s.priorityValue() ? "" : "; preemptible allocations hold room for it: priority " + p
                + " or more would take it (the service's priority, steward deploy --priority)";
    }

    private void event(DeploymentInfo d, Instant now, String message) {
        Controller.event(services, d, now, message);
    }
}
