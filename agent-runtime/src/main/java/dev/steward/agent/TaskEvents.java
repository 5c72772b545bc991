package dev.steward.agent;

import dev.steward.api.TaskInfo;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's log of what happens to its tasks: one line per status it reports (started as a
 * pid, healthy or not, restarting, ended and why), as Nomad's client logs its task events. So an
 * operator on the machine reads in the agent's own log why a process appeared or went away (an
 * agent lost and back stops the tasks the allocator moved elsewhere, and says so here). Failures,
 * restarts and failed health checks are warnings; the rest is information.
 */
final class TaskEvents {
    private static final Logger LOG = Logger.getLogger(TaskEvents.class.getName());

    private TaskEvents() {
    }

    /** Logs the line for {@code s}, a status of {@code task} about to be reported. */
    static void log(TaskInfo task, TaskStatus s) {
        Level level = level(s);
        if (LOG.isLoggable(level)) {
            LOG.log(level, line(task, s));
        }
    }

    static Level level(TaskStatus s) {
        return s.state() == TaskState.FAILED || s.state() == TaskState.RESTARTING || Boolean.FALSE.equals(s.healthy())
                ? Level.WARNING : Level.INFO;
    }

    /** {@code task 1bd9... "web" (allocation 5a2c...): running as pid 4162}, and so on for each kind of status. */
    static String line(TaskInfo task, TaskStatus s) {
        String what;
        if (s.state() == TaskState.RUNNING && s.healthy() == null) {
            what = "running as pid " + s.pid() + (s.restarts() != null && s.restarts() > 0 ? " (restart " + s.restarts() + ")" : "");
        } else if (s.state() == TaskState.RUNNING) {
            what = (s.healthy() ? "healthy" : "unhealthy") + (s.reason() == null ? "" : ": " + s.reason());
        } else {
            what = s.state() + (s.exitCode() == null ? "" : " (exit code " + s.exitCode() + ")") + (s.reason() == null ? "" : ": " + s.reason());
        }
        return "task " + task.id() + " \"" + task.spec().name() + "\" (allocation " + task.allocationId() + "): " + what;
    }
}
