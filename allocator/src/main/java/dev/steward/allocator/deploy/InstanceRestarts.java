package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.Conflict;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.ControlChars;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RestartRequest;

import java.time.Instant;
import java.util.Locale;

/**
 * The restart of one instance, as a drain moves one: its allocation is asked to leave (LEAVING,
 * the reason saying who restarted it and why), so the reconciler starts a fresh instance of its
 * revision at once, its {@code movedFrom} naming it, and stops it once the fresh one is available
 * ({@link Holds#moves}, {@link Steady}): the service never has one instance fewer available for it.
 * Asked again while that goes on, it changes nothing.
 */
final class InstanceRestarts {
    private final ClusterState state;
    private final Services services;
    private final Deploys deploys;

    InstanceRestarts(ClusterState state, Services services, Deploys deploys) {
        this.state = state;
        this.services = services;
        this.deploys = deploys;
    }

    /** Restarts instance {@code id} of service {@code name}; returns it as it is (its fresh one comes in the next reconcile). */
    InstanceInfo restart(String name, String id, String reason, String who, Instant now) {
        ControlChars.label("reason", reason, RestartRequest.MAX_REASON);
        deploys.refuseWhileDeleting(services.record(name));
        InstanceInfo i = services.instanceRecord(id);
        if (i == null || !i.service().equals(name)) {
            throw new NotFound("instance", id + " of " + name);
        }
        if (i.state().terminal() || i.stopRequested() || i.state() == InstanceState.STOPPING) {
            throw new Conflict("instance " + id + " of " + name + " has " + (i.state().terminal() ? "ended (" + i.state().name().toLowerCase(Locale.ROOT) + ")"
                    : "been asked to stop") + ": there is nothing to restart");
        }
        AllocationInfo al = i.allocationId() == null ? null : state.allocationOrNull(i.allocationId());
        if (al == null || al.state().terminal()) {
            throw new Conflict("instance " + id + " of " + name + " is not placed yet" + (i.reason() == null ? "" : " (" + i.reason() + ")")
                    + ": nothing of it runs to restart");
        }
        if (al.state() == AllocationState.LEAVING) {
            return i; // a restart of it goes on already, or its agent drains: a fresh one takes its place either way
        }
        String why = ClusterState.RESTARTED + who + (reason == null || reason.isBlank() ? "" : ": " + reason);
        state.askToLeave(al.id(), why, now);
        // said on the instance too until it stops, so a reader of the service knows why a fresh one took over from it
        InstanceInfo said = Rollouts.reason(i, why + "; a fresh instance takes its place");
        services.putInstance(said);
        return services.instanceRecord(id);
    }
}
