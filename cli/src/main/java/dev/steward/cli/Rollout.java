package dev.steward.cli;

import dev.steward.api.DeployResult;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * The live view of a deployment in a terminal or a build log: each event as a line, and a status
 * line whenever the counts or the state change; returns the exit code of the outcome (0 succeeded
 * or nothing to do, 1 anything else, with the reason).
 */
final class Rollout {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private Rollout() {
    }

    static int follow(StewardClient c, DeployResult r, Duration timeout, boolean json, PrintStream out) throws IOException {
        // a no-op names a deployment only while one rolls out what was asked (the same deploy again, from another pipeline):
        // it is followed to its end like the deploy that started it, so exit 0 still means it succeeded
        if (r.deployment() == null) {
            if (json) {
                Output.json(r);
            } else {
                out.println(r.message());
            }
            return 0;
        }
        if (!json) {
            out.println(r.message());
        }
        String[] last = {""};
        String id = r.deployment().id();
        Thread interrupted = new Thread(() -> System.err.println("\nstopped following; deployment " + id + " goes on on the allocator: follow it with "
                + "'steward rollout watch " + id + "', or stop it with 'steward rollout abort " + id + "'"), "steward-follow-interrupted");
        Runtime.getRuntime().addShutdownHook(interrupted); // Ctrl-C leaves the deployment running: say so, and how to reach it
        DeploymentInfo d;
        try {
            d = follow(c, r, timeout, json, out, last);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs: that is the point
            }
        }
        return outcome(c, d, timeout, json, out);
    }

    private static DeploymentInfo follow(StewardClient c, DeployResult r, Duration timeout, boolean json, PrintStream out, String[] last)
            throws IOException {
        if (!json && System.console() != null && out == System.out) {
            return redrawn(c, r, timeout);
        }
        return c.deployments().follow(r.deployment().id(), timeout, e -> {
            if (!json) {
                out.println(TIME.format(e.at()) + "  " + e.message());
            }
        }, x -> {
            String line = status(x);
            if (!json && !line.equals(last[0])) {
                out.println("          " + line);
                last[0] = line;
            }
        });
    }

    /** In a terminal: one compact view, redrawn in place on every change. */
    private static DeploymentInfo redrawn(StewardClient c, DeployResult r, Duration timeout) throws IOException {
        int[] lines = {0};
        int width = LiveView.width();
        PrintStream screen = TerminalSafe.raw(); // the view's own cursor moves; its lines are escaped by LiveView.redraw
        java.util.Map<String, String> agents = new java.util.HashMap<>(); // read once per agent, not on every frame
        return c.deployments().follow(r.deployment().id(), timeout, e -> { }, x -> {
            java.util.List<String> frame = frame(c, x, agents);
            screen.print(LiveView.redraw(lines[0], frame, width));
            screen.flush();
            lines[0] = frame.size();
        });
    }

    /**
     * The live view's frame of {@code d}, with its service's instances as they are now (none when
     * they cannot be read) and their agents' names; {@code agents} keeps the names read so far, and
     * an agent's is read the first time one of its instances shows (its id stands if it cannot be).
     */
    static java.util.List<String> frame(StewardClient c, DeploymentInfo d, java.util.Map<String, String> agents) {
        String[] ae = d.service().split("/", 2);
        java.util.List<dev.steward.api.InstanceInfo> inst;
        try {
            inst = c.deployments().instances(ae[0], ae[1]);
        } catch (IOException e) {
            inst = java.util.List.of();
        }
        java.util.List<String> unknown = inst.stream().filter(i -> !i.state().terminal()).map(dev.steward.api.InstanceInfo::agentId)
                .filter(id -> id != null && !agents.containsKey(id)).distinct().toList();
        if (!unknown.isEmpty()) {
            java.util.Map<String, String> found = AgentNames.of(c, unknown);
            unknown.forEach(id -> agents.put(id, found.getOrDefault(id, id)));
        }
        return LiveView.render(d, inst, agents);
    }

    private static int outcome(StewardClient c, DeploymentInfo d, Duration timeout, boolean json, PrintStream out) throws IOException {
        if (json) {
            Output.json(d);
        }
        if (!d.state().terminal()) {
            out.println("still " + d.state() + " after " + dev.steward.api.Units.format(timeout) + "; follow it with 'steward rollout watch "
                    + d.id() + "'");
            return 1;
        }
        if (d.state() == DeploymentState.SUCCEEDED) {
            if (!json) {
                out.println("deployment " + d.id() + " succeeded: revision " + d.revision() + " of " + d.service());
            }
            return 0;
        }
        PrintStream to = json ? System.err : out;
        to.println("deployment " + d.id() + " " + d.state().name().toLowerCase().replace('_', ' ') + ": " + d.reason());
        dev.steward.client.FailureOutput.of(c, d).forEach(to::println);
        return 1;
    }

    static String status(DeploymentInfo d) {
        StringBuilder s = new StringBuilder();
        s.append('[').append(d.state()).append("] revision ").append(d.revision()).append(": new ").append(d.newAvailable()).append('/')
                .append(d.newInstances()).append(" available");
        if (d.oldInstances() > 0) {
            s.append(", old ").append(d.oldAvailable()).append('/').append(d.oldInstances()).append(" available");
        }
        s.append(", want ").append(d.desired());
        if (d.rollout() != null && d.rollout().steps() != null) {
            s.append(", canary step ").append(Math.min(d.step() + 1, d.rollout().steps().size())).append(" of ").append(d.rollout().steps().size());
            if (d.step() >= d.rollout().steps().size()) {
                s.append(" (promoted)");
            }
        }
        if (d.pausedAt() != null) {
            s.append(", paused since ").append(TIME.format(d.pausedAt()));
        }
        return s.toString();
    }
}
