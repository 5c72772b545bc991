package dev.steward.jenkins;

import hudson.Extension;
import hudson.model.LoadStatistics;
import hudson.slaves.Cloud;
import hudson.slaves.NodeProvisioner;
import java.util.Collection;
import jenkins.model.Jenkins;

/** Provisions Steward agents as soon as work waits, instead of after Jenkins' default delay. */
@Extension(ordinal = 100)
public class NoDelayProvisioning extends NodeProvisioner.Strategy {
    @Override
    public NodeProvisioner.StrategyDecision apply(NodeProvisioner.StrategyState state) {
        LoadStatistics.LoadStatisticsSnapshot snapshot = state.getSnapshot();
        int available = snapshot.getAvailableExecutors() + snapshot.getConnectingExecutors() + state.getPlannedCapacitySnapshot()
                + state.getAdditionalPlannedCapacity();
        int demand = snapshot.getQueueLength();
        if (available < demand) {
            for (Cloud c : Jenkins.get().clouds) {
                if (c instanceof StewardCloud && c.canProvision(new Cloud.CloudState(state.getLabel(), state.getAdditionalPlannedCapacity()))) {
                    Collection<NodeProvisioner.PlannedNode> planned = c.provision(new Cloud.CloudState(state.getLabel(),
                            state.getAdditionalPlannedCapacity()), demand - available);
                    state.recordPendingLaunches(planned);
                    available += planned.size();
                    break;
                }
            }
        }
        return available >= demand ? NodeProvisioner.StrategyDecision.PROVISIONING_COMPLETED
                : NodeProvisioner.StrategyDecision.CONSULT_REMAINING_STRATEGIES;
    }
}
