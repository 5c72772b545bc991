package dev.steward.jenkins;

import dev.steward.client.StewardClient;
import dev.steward.steps.CloudPlanner;
import dev.steward.steps.PendingReleases;
import hudson.Extension;
import hudson.model.AsyncPeriodicWork;
import hudson.model.Node;
import hudson.model.TaskListener;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jenkins.model.Jenkins;

/**
 * Every minute: retries the releases steps could not make (the allocator was unreachable), makes
 * sure every Steward node's allocation is watched ({@link ExecutorWatches}), renews
 * the leases of the cloud's live agents, releases allocations whose node is gone, and removes
 * nodes whose allocation has ended (the decisions are {@link CloudPlanner#sweep}). It makes network
 * calls, so it is an {@link AsyncPeriodicWork}: it runs on its own thread, never on the timer, and
 * its log is JENKINS_HOME/logs/tasks/Steward sweep.log. It sees the allocations of this
 * controller's role only: give each controller its own role.
 */
@Extension
public class CloudSweep extends AsyncPeriodicWork {
    public CloudSweep() {
        super("Steward sweep");
    }

    @Override
    public long getRecurrencePeriod() {
        return TimeUnit.MINUTES.toMillis(1);
    }

    @Override
    protected void execute(TaskListener listener) throws IOException, InterruptedException {
        StewardConfiguration cfg = StewardConfiguration.get();
        if (cfg.getUrl() == null && !cfg.isEmbedded()) {
            return; // not configured: nothing can have been allocated
        }
        StewardClient client = cfg.client();
        PendingReleases pending = StewardConfiguration.pendingReleases();
        if (!pending.list().isEmpty()) {
            PendingReleases.Retry r = pending.retry(client);
            r.released().forEach(id -> listener.getLogger().println("released request " + id + " (a step could not release it when it ended)"));
            r.failed().forEach(f -> listener.getLogger().println("still cannot release request " + f));
        }
        Set<String> stewardNodes = new HashSet<>();
        for (Node n : Jenkins.get().getNodes()) {
            if (n instanceof StewardAgent a) {
                stewardNodes.add(a.getNodeName());
                ExecutorWatches.arm(a); // after a restart, or when a watch stopped
            }
        }
        ExecutorWatches.retainOnly(stewardNodes);
        if (Jenkins.get().clouds.stream().noneMatch(c -> c instanceof StewardCloud)) {
            return;
        }
        Map<String, String> live = CloudPlanner.cloudAllocations(client.allocations(), cfg.getRole());
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
            listener.getLogger().println("released allocation " + alloc + ": no Jenkins node uses it");
        }
        for (String node : s.removeNodes()) {
            Node n = Jenkins.get().getNode(node);
            if (n != null) {
                Jenkins.get().removeNode(n);
                listener.getLogger().println("removed node " + node + ": its allocation has ended");
            }
        }
    }
}
