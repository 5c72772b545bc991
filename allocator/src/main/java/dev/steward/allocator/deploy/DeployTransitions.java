package dev.steward.allocator.deploy;

import dev.steward.allocator.state.Transitions.IllegalTransition;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceState;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The state machines of deployments and instances as explicit tables; an illegal transition throws. */
public final class DeployTransitions {
    public static final Map<DeploymentState, Set<DeploymentState>> DEPLOYMENT = new EnumMap<>(DeploymentState.class);
    public static final Map<InstanceState, Set<InstanceState>> INSTANCE = new EnumMap<>(InstanceState.class);

    static {
        DEPLOYMENT.put(DeploymentState.QUEUED, EnumSet.of(DeploymentState.RUNNING, DeploymentState.SUPERSEDED, DeploymentState.ABORTED));
        DEPLOYMENT.put(DeploymentState.RUNNING, EnumSet.of(DeploymentState.RUNNING, DeploymentState.PAUSED, DeploymentState.ROLLING_BACK,
                DeploymentState.SUCCEEDED, DeploymentState.FAILED, DeploymentState.SUPERSEDED, DeploymentState.ABORTED));
        DEPLOYMENT.put(DeploymentState.PAUSED, EnumSet.of(DeploymentState.RUNNING, DeploymentState.ROLLING_BACK, DeploymentState.SUPERSEDED,
                DeploymentState.ABORTED));
        DEPLOYMENT.put(DeploymentState.ROLLING_BACK, EnumSet.of(DeploymentState.ROLLED_BACK, DeploymentState.FAILED, DeploymentState.SUPERSEDED,
                DeploymentState.ABORTED));
        for (DeploymentState s : DeploymentState.values()) {
            if (s.terminal()) {
                DEPLOYMENT.put(s, EnumSet.noneOf(DeploymentState.class));
            }
        }
        Set<InstanceState> ends = EnumSet.of(InstanceState.STOPPING, InstanceState.STOPPED, InstanceState.FAILED, InstanceState.LOST);
        EnumSet<InstanceState> fromPending = EnumSet.copyOf(ends);
        fromPending.add(InstanceState.STARTING);
        INSTANCE.put(InstanceState.PENDING, fromPending);
        EnumSet<InstanceState> fromStarting = EnumSet.copyOf(ends);
        fromStarting.add(InstanceState.HEALTHY);
        INSTANCE.put(InstanceState.STARTING, fromStarting);
        EnumSet<InstanceState> fromHealthy = EnumSet.copyOf(ends);
        fromHealthy.add(InstanceState.UNHEALTHY);
        INSTANCE.put(InstanceState.HEALTHY, fromHealthy);
        EnumSet<InstanceState> fromUnhealthy = EnumSet.copyOf(ends);
        fromUnhealthy.add(InstanceState.STARTING); // its check passes again: available after minHealthyTime once more
        INSTANCE.put(InstanceState.UNHEALTHY, fromUnhealthy);
        INSTANCE.put(InstanceState.STOPPING, EnumSet.of(InstanceState.STOPPED, InstanceState.FAILED, InstanceState.LOST));
        for (InstanceState s : EnumSet.of(InstanceState.STOPPED, InstanceState.FAILED, InstanceState.LOST)) {
            INSTANCE.put(s, EnumSet.noneOf(InstanceState.class));
        }
    }

    private DeployTransitions() {
    }

    public static void check(DeploymentState from, DeploymentState to) {
        if (!DEPLOYMENT.get(from).contains(to)) {
            throw new IllegalTransition("deployment", from, to);
        }
    }

    public static void check(InstanceState from, InstanceState to) {
        if (from != to && !INSTANCE.get(from).contains(to)) {
            throw new IllegalTransition("instance", from, to);
        }
    }
}
