package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.Conflict;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.RolloutSpec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a person (or a pipeline) does to a deployment under way: pause, resume, promote a canary
 * to its next step, abort. Each checks the deployment's state first and changes nothing when it
 * refuses; pausing a paused one and aborting an aborted one again are no-ops (a retried call).
 */
final class DeploymentActions {
    private final ClusterState state;
    private final Services services;

    DeploymentActions(ClusterState state, Services services) {
        this.state = state;
        this.services = services;
    }

    DeploymentInfo pause(String id, String who, Instant now) {
        DeploymentInfo d = services.deployment(id);
        if (d.state() == DeploymentState.PAUSED) {
            return d;
        }
        if (d.state() != DeploymentState.RUNNING) {
            throw new Conflict("deployment " + id + " is " + d.state() + "; only a running one can be paused");
        }
        services.putDeployment(Rollouts.event(Rollouts.state(d, DeploymentState.PAUSED, null, now), now, "paused by " + who));
        return services.deploymentRecord(id);
    }

    /** Resumes a paused deployment; for a canary waiting at a step, this is the promote to the next step. */
    DeploymentInfo resume(String id, String who, boolean promote, Instant now) {
        DeploymentInfo d = services.deployment(id);
        if (d.state() != DeploymentState.PAUSED && !(promote && d.state() == DeploymentState.RUNNING && d.rollout().type() == RolloutSpec.Strategy.CANARY)) {
            throw new Conflict("deployment " + id + " is " + d.state() + "; only a paused one (or a running canary) can be " + (promote ? "promoted" : "resumed"));
        }
        boolean canary = d.rollout().type() == RolloutSpec.Strategy.CANARY && d.step() < d.rollout().steps().size();
        DeploymentInfo r = promote && canary ? Rollouts.promoted(d.state() == DeploymentState.PAUSED ? d
                : Rollouts.state(d, DeploymentState.PAUSED, null, now), now) : Rollouts.state(d, DeploymentState.RUNNING, null, now);
        services.putDeployment(Rollouts.event(r, now, (promote ? "promoted by " : "resumed by ") + who + (canary && promote ? (r.step() < d.rollout().steps().size() ? ": on to step " + (r.step() + 1) + " of " + d.rollout().steps().size()
                : ": past the last step, on to every instance") : "")));
        return services.deploymentRecord(id);
    }

    /**
     * Aborts: the deployment ends ABORTED and the stable revision takes over again; the steady
     * state then stops the instances of the aborted revision. Aborting an aborted deployment
     * again is a no-op (a retried call); one that ended otherwise is refused.
     */
    DeploymentInfo abort(String id, String who, Instant now) {
        DeploymentInfo d = services.deployment(id);
        if (d.state() == DeploymentState.ABORTED) {
            return d;
        }
        if (d.state().terminal()) {
            throw new Conflict("deployment " + id + " has already ended " + d.state() + "; there is nothing to abort"
                    + (d.state() == DeploymentState.SUCCEEDED ? " (to go back, 'steward rollback')" : ""));
        }
        services.putDeployment(Rollouts.event(Rollouts.state(d, DeploymentState.ABORTED, "aborted by " + who, now), now, "aborted by " + who));
        ServiceRecord s = services.record(d.service());
        if (d.id().equals(s.deployment())) {
            int back = s.stable() != null ? s.stable() : s.revision();
            services.putService(s.with(s.instances(), back, s.stable(), s.stable(), null, s.queued(), null, 0, s.nextRevision(), now, state.nextIndex()));
        } else {
            List<String> q = new ArrayList<>(s.queued());
            q.remove(id);
            services.putService(s.with(s.instances(), s.revision(), s.stable(), s.active(), s.deployment(), q, s.replaceNotBefore(), s.failures(), s.nextRevision(),
                    now, state.nextIndex()));
        }
        return services.deploymentRecord(id);
    }
}
