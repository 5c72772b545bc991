package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;

import java.time.Instant;

/**
 * Deleting a service, in two steps as {@code nomad job stop -purge} or a Kubernetes delete with
 * its finalizers: the delete marks the service ({@link ServiceRecord#deletingSince}), wants no
 * instance, aborts its running and queued deployments and stops its running monitors; the
 * steady state then stops every instance (a pending one's request is cancelled, a running one's
 * task is stopped and its allocation released). When the last instance has ended, the service
 * is forgotten with its revisions, deployments, instances and monitor reports, and its name is
 * free for a new deploy. Both steps are durable commands, so a restart in between goes on.
 */
final class Deletes {
    private final ClusterState state;
    private final Services services;

    Deletes(ClusterState state, Services services) {
        this.state = state;
        this.services = services;
    }

    /** See {@link Services#delete}. */
    boolean delete(String name, String who, Instant now) {
        ServiceRecord s = services.record(name);
        if (s.deletingSince() == null) {
            String why = "the service is being deleted by " + who;
            for (String id : s.deployment() == null ? s.queued() : concat(s.deployment(), s.queued())) {
                DeploymentInfo d = services.deploymentRecord(id);
                if (d != null && !d.state().terminal()) {
                    services.putDeployment(Rollouts.event(Rollouts.state(d, DeploymentState.ABORTED, why, now), now, "aborted: " + why));
                }
            }
            state.monitors().stopRunning(name, why, now);
            services.putService(s.deleting(now, state.nextIndex()));
        }
        services.reconcileOne(services.record(name), now);
        return services.recordOrNull(name) == null;
    }

    /** Forgets a service being deleted once none of its instances is left running; true if it did. */
    boolean purgeIfStopped(String name) {
        ServiceRecord s = services.recordOrNull(name);
        if (s == null || s.deletingSince() == null) {
            return false;
        }
        for (InstanceInfo i : services.instancesOf(name)) {
            if (!i.state().terminal()) {
                return false;
            }
        }
        state.monitors().forget(name);
        services.forget(name);
        return true;
    }

    private static java.util.List<String> concat(String first, java.util.List<String> rest) {
        java.util.List<String> out = new java.util.ArrayList<>();
        out.add(first);
        out.addAll(rest);
        return out;
    }
}
