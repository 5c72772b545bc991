package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;

import java.time.Instant;
import java.util.List;

/**
 * When each service is reconciled: after a command, those its changes touch; on the ticker,
 * those whose due time has come ({@link Controller#nextDue}), and every {@link #SWEEP} all of
 * them. Reconciling one is the {@link Controller}'s pass, then the end of a deletion
 * ({@link Deletes#purgeIfStopped}), then its next due time.
 */
final class Reconciles {
    /** How often the ticker also reconciles every service: a safety net under the due-time queue. */
    static final java.time.Duration SWEEP = java.time.Duration.ofSeconds(10);
    private final ClusterState state;
    private final Services services;
    private final Controller controller;
    private final Deletes deletes;
    /** Services by when time alone could next change them ({@link Controller#nextDue}). */
    private final dev.steward.allocator.state.DueQueue due = new dev.steward.allocator.state.DueQueue();
    /** When the ticker last reconciled every service (null: never yet). */
    private Instant lastSweep;

    Reconciles(ClusterState state, Services services, Controller controller, Deletes deletes) {
        this.state = state;
        this.services = services;
        this.controller = controller;
        this.deletes = deletes;
    }

    /**
     * The ticker's pass: the services whose due time has come (those in motion, every tick;
     * settled ones when a lease needs renewing), and every {@link #SWEEP} all of them. True if
     * anything changed.
     */
    boolean reconcile(Instant now) {
        boolean sweep = lastSweep == null || !now.isBefore(lastSweep.plus(SWEEP)) || now.isBefore(lastSweep);
        if (sweep) {
            lastSweep = now;
        }
        boolean changed = false;
        for (String name : sweep ? services.names() : due.poll(now)) {
            ServiceRecord s = services.recordOrNull(name);
            if (s != null) {
                changed |= one(s, now);
            }
        }
        return changed;
    }

    /** One service, and when it is due next. */
    boolean one(ServiceRecord s, Instant now) {
        boolean changed = controller.reconcile(s, now);
        changed |= deletes.purgeIfStopped(s.name());
        if (services.recordOrNull(s.name()) != null) {
            due.set(s.name(), controller.nextDue(s.name(), now));
        } else {
            due.remove(s.name());
        }
        return changed;
    }

    /**
     * Reconciles only the services that {@code changes} touch: their records, deployments,
     * instances, or the requests, allocations, tasks and monitors behind their instances. A
     * command costs what it changed, not O(services x instances); what time alone changes
     * (deadlines, pauses, backoffs, health held long enough) is reconciled by the ticker, when
     * the service's due time comes.
     */
    boolean reconcile(Instant now, dev.steward.allocator.state.Changes changes) {
        java.util.Set<String> touched = new java.util.LinkedHashSet<>();
        for (String id : changes.services) {
            touched.add(id);
        }
        for (String id : changes.deployments) {
            DeploymentInfo d = services.deploymentRecord(id);
            if (d != null) {
                touched.add(d.service());
            }
        }
        for (String id : changes.instances) {
            InstanceInfo i = services.instanceRecord(id);
            if (i != null) {
                touched.add(i.service());
            }
        }
        for (java.util.Set<String> refs : List.of(changes.requests, changes.allocations, changes.tasks)) {
            for (String id : refs) {
                String svc = services.serviceOfRef(id);
                if (svc != null) {
                    touched.add(svc);
                }
            }
        }
        for (String id : changes.monitors) {
            dev.steward.api.MonitorReport m = state.monitors().getOrNull(id);
            if (m != null) {
                touched.add(m.service());
            }
        }
        boolean changed = false;
        for (String name : touched) {
            ServiceRecord s = services.recordOrNull(name);
            if (s != null) {
                changed |= one(s, now);
            }
        }
        return changed;
    }
}
