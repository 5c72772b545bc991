package dev.steward.jenkins;

import dev.steward.client.StewardClient;
import dev.steward.steps.CloudPlanner;
import hudson.Extension;
import hudson.model.Node;
import hudson.model.PeriodicWork;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import jenkins.model.Jenkins;

/**
 * Every minute: renews the leases of the cloud's live agents, releases allocations whose node is
 * gone, and removes nodes whose allocation has ended (the decisions are {@link CloudPlanner#sweep}).
 * It sees the allocations of this controller's role only: give each controller its own role.
 */
@Extension
public class CloudSweep extends PeriodicWork {
    private static final Logger LOG = Logger.getLogger(CloudSweep.class.getName());

    @Override
    public long getRecurrencePeriod() {
        return TimeUnit.MINUTES.toMillis(1);
    }

    @Override
    protected void doRun() throws Exception {
        if (Jenkins.get().clouds.stream().noneMatch(c -> c instanceof StewardCloud)) {
            return;
        }
        StewardClient client = StewardConfiguration.get().client();
        Map<String, String> live = CloudPlanner.cloudAllocations(client.allocations(), StewardConfiguration.get().getRole());
        Map<String, String> nodes = new HashMap<>();
        Set<String> provisioning = new HashSet<>();
        for (Node n : Jenkins.get().getNodes()) {
            if (n instanceof StewardAgent a && !a.isOneShot()) {
                if (a.getAllocationId() == null) {
                    provisioning.add(a.getNodeName());
                } else {
                    nodes.put(a.getNodeName(), a.getAllocationId());
                    if (live.containsKey(a.getAllocationId())) {
                        client.renew(a.getAllocationId(), null);
                    }
                }
            }
        }
        CloudPlanner.Sweep s = CloudPlanner.sweep(live, nodes, provisioning);
        for (String alloc : s.releaseAllocations()) {
            client.release(alloc);
            LOG.info("released allocation " + alloc + ": no Jenkins node uses it");
        }
        for (String node : s.removeNodes()) {
            Node n = Jenkins.get().getNode(node);
            if (n != null) {
                Jenkins.get().removeNode(n);
                LOG.info("removed node " + node + ": its allocation has ended");
            }
        }
    }
}
