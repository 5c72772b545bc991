package dev.steward.agent;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Logger;

/**
 * An embedded agent's last act ({@code steward dev}, a demo, the tests' clusters): every task
 * stopped (SIGTERM, then SIGKILL after each one's kill timeout), and a wait for them to end, so
 * none outlives the agent. A service agent leaves its tasks running when it stops.
 */
final class TaskStops {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName()); // the agent's own lines

    private TaskStops() {
    }

    /**
     * Stops the tasks of {@code supervisors}, which {@code loop} owns, and waits up to {@code timeout}
     * for them to end: woken by each end {@code endMarks} counts, as the loop's own tick moves the stops on.
     */
    static void all(ScheduledExecutorService loop, Map<String, Supervisor> supervisors, EndMarks endMarks, Clock clock, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            int n = loop.submit(() -> {
                supervisors.values().forEach(s -> s.stop("the agent is shutting down", clock.instant()));
                return (int) supervisors.values().stream().filter(s -> s.phase() != Supervisor.Phase.DONE).count();
            }).get();
            LOG.info("stopping " + n + " task(s)");
            while (true) {
                long seen = endMarks.count();
                if (loop.submit(() -> supervisors.values().stream().allMatch(s -> s.phase() == Supervisor.Phase.DONE)).get()) {
                    LOG.info("every task has stopped");
                    return;
                }
                endMarks.awaitMoreThan(seen, deadline); // the loop's own tick moves the stops on, and counts each end: wait for the next one
                if (System.nanoTime() - deadline >= 0) {
                    LOG.warning("tasks still running after " + timeout);
                    return;
                }
            }
        } catch (InterruptedException e) {
            LOG.warning("interrupted while stopping tasks");
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warning("stopping tasks failed: " + e.getCause());
        }
    }
}
