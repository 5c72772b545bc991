package dev.steward.agent;

import dev.steward.api.AgentRegistration;
import dev.steward.api.Heartbeat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * One heartbeat per run, on its own thread: it neither waits for the agent's loop (which may be
 * busy launching or stopping tasks) nor for a call that hangs (each is bounded); a missed beat
 * is retried by the next one, and a run of failures is logged once, then once more when a beat
 * is heard again.
 */
final class Heartbeats implements Runnable {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName()); // the agent's own lines, as before the split
    private final AllocatorClient client;
    private final String agentId;
    private final Supplier<Map<String, Long>> usage;
    private final List<AgentRegistration.PortRange> lentPorts;
    private final AgentMetrics metrics;
    /** Heartbeats failed in a row; on the heartbeat thread only. */
    private int failed;

    /** {@code usage}: the latest measure the loop took; {@code lentPorts}: the ranges whose ports in use elsewhere are reported busy. */
    Heartbeats(AllocatorClient client, String agentId, Supplier<Map<String, Long>> usage, List<AgentRegistration.PortRange> lentPorts,
               AgentMetrics metrics) {
        this.client = client;
        this.agentId = agentId;
        this.usage = usage;
        this.lentPorts = lentPorts;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        long t0 = System.nanoTime();
        try {
            client.heartbeat(agentId, new Heartbeat(usage.get(), HostPorts.busy(lentPorts)));
            metrics.heartbeat(System.nanoTime() - t0, true);
            if (failed > 0) {
                LOG.info("heartbeat heard again after " + failed + " failed");
            }
            failed = 0;
        } catch (IOException | RuntimeException e) { // any failure is a missed beat: one thrown out of here would end the beats for good
            metrics.heartbeat(System.nanoTime() - t0, false);
            if (failed++ == 0) { // the first of a run: an operator wants to know, once
                LOG.warning("heartbeat failed after " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + e);
            }
        }
    }
}
