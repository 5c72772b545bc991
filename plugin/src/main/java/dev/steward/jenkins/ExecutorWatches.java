package dev.steward.jenkins;

import dev.steward.api.AllocationInfo;
import dev.steward.steps.AllocationWatch;
import hudson.model.Computer;
import hudson.model.Executor;
import hudson.model.Node;
import hudson.model.Result;
import hudson.slaves.OfflineCause;
import hudson.slaves.SlaveComputer;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;

/**
 * One watch per borrowed executor on its allocation ({@link AllocationWatch}: a parked query, no
 * thread). When the allocation starts to leave, the node takes no new builds; when it has ended
 * (preempted, lost, expired), the builds on it are interrupted with a {@link PreemptedCause}
 * saying why (retryable with {@code retry(conditions: [agent()])}) and the node is removed at
 * once, instead of at the next sweep or when the channel times out. {@link CloudSweep} re-arms
 * watches after a restart and drops those of removed nodes.
 */
final class ExecutorWatches {
    private static final Logger LOG = Logger.getLogger(ExecutorWatches.class.getName());
    private static final Map<String, CompletableFuture<AllocationInfo>> WATCHES = new ConcurrentHashMap<>();

    private ExecutorWatches() {
    }

    /** Watches {@code agent}'s allocation unless it is watched already. */
    static void arm(StewardAgent agent) {
        String alloc = agent.getAllocationId();
        if (alloc == null) {
            return;
        }
        String node = agent.getNodeName();
        WATCHES.computeIfAbsent(node, n -> {
            try {
                CompletableFuture<AllocationInfo> w = AllocationWatch.untilEnded(StewardConfiguration.get().client(), alloc, Clock.systemUTC(),
                        a -> leaving(node, a));
                w.whenComplete((a, err) -> {
                    WATCHES.remove(node, w);
                    if (a != null) {
                        Computer.threadPoolForRemoting.submit(() -> ended(node, a));
                    } else if (err != null && !w.isCancelled()) {
                        LOG.log(Level.FINE, "watching allocation " + alloc + " of " + node + " stopped; the sweep re-arms it", err);
                    }
                });
                return w;
            } catch (Exception e) {
                LOG.log(Level.WARNING, "cannot watch allocation " + alloc + " of " + node + "; the sweep retries", e);
                return null;
            }
        });
    }

    /** Stops watching nodes that are gone. */
    static void retainOnly(java.util.Set<String> nodes) {
        WATCHES.forEach((node, w) -> {
            if (!nodes.contains(node)) {
                w.cancel(false);
                WATCHES.remove(node, w);
            }
        });
    }

    /** Leaving: no new builds here; back (its agent no longer drains): builds again, unless someone else took the node offline. */
    private static void leaving(String node, AllocationInfo a) {
        Computer c = computer(node);
        if (c == null) {
            return;
        }
        String why = AllocationWatch.why(a);
        if (a.state() == dev.steward.api.AllocationState.LEAVING) {
            c.setTemporarilyOffline(true, new Offline(why));
            log(c, why + "; no new builds start here");
        } else if (c.getOfflineCause() instanceof Offline) {
            c.setTemporarilyOffline(false, null);
            log(c, why + " again; builds may start here");
        }
    }

    private static void ended(String node, AllocationInfo a) {
        String why = AllocationWatch.why(a);
        Computer c = computer(node);
        if (c != null) {
            log(c, why + "; removing the node");
            for (Executor e : c.getExecutors()) {
                if (e.isBusy()) {
                    e.interrupt(Result.ABORTED, new PreemptedCause(why));
                }
            }
        }
        Node n = Jenkins.get().getNode(node);
        if (n != null) {
            try {
                Jenkins.get().removeNode(n);
                LOG.info(node + ": " + why + "; node removed");
            } catch (Exception e) {
                LOG.log(Level.WARNING, "removing " + node + " failed; the sweep removes it", e);
            }
        }
    }

    private static Computer computer(String node) {
        Node n = Jenkins.get().getNode(node);
        return n == null ? null : n.toComputer();
    }

    private static void log(Computer c, String line) {
        if (c instanceof SlaveComputer s) {
            s.getListener().getLogger().println("steward: " + line);
        }
    }

    /** The node's offline reason, shown on its page. */
    static final class Offline extends OfflineCause {
        private final String why;

        Offline(String why) {
            this.why = why;
        }

        @Override
        public String toString() {
            return why;
        }
    }
}
