package dev.steward.agent;

import dev.steward.api.HealthCheck;
import dev.steward.api.TaskInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.logging.Logger;

/**
 * A running task's health checks, for its {@link Supervisor}: one probe at a time on the agent's
 * probe pool, started every interval from the process's start; a probe that fails in the
 * initial grace does not count, a pass clears the count, and {@code threshold} failures in a row
 * make the task unhealthy; another user's socket on one of its ports makes it unhealthy at once,
 * in the grace or not ({@link HealthProbe#tried}). A task with ports and a uid of its own but no check has its ports
 * looked at alone ({@link #guarded}). The counting is pure ({@link #failuresAfter}, {@link #verdict});
 * the probes are the effects. Used from the agent's loop thread only.
 */
final class HealthWatch {
    private final TaskInfo task;
    private final HealthCheck check;
    private final Path dir;
    private final Launcher launcher;
    private final ExecutorService probes;
    private Boolean healthy;
    private int failures;
    private Instant checkAt = Instant.MAX;
    private Instant graceUntil = Instant.MIN;
    /** The check's try under way, if any. */
    private Future<HealthProbe.Tried> tried;
    /** A guarded task's look at its ports under way, if any. */
    private Future<String> look;
    private String lastFailure;
    /** Whether the last failure was another user's socket on one of the task's ports. */
    private boolean squatted;
    /** The task's own uid, from its start on (null: none of its own); its check's port must be held by no other. */
    private Integer ownUid;

    HealthWatch(TaskInfo task, Path dir, Launcher launcher, ExecutorService probes) {
        this.task = task;
        this.check = task.spec().healthCheck();
        this.dir = dir;
        this.launcher = launcher;
        this.probes = probes;
    }

    /** A change of verdict: the task became healthy or unhealthy, after {@code failures} failures in a row. */
    record Verdict(boolean healthy, int failures, String reason) {
    }

    /**
     * A new process to watch: no verdict yet, the first probe now. {@code attached}: a process an
     * earlier run of the agent started, long past its grace.
     */
    void restart(Instant now, boolean attached) {
        healthy = null;
        failures = 0;
        lastFailure = null;
        squatted = false;
        ownUid = launcher == null ? null : launcher.ownUid(task, dir);
        checkAt = check != null || guarded() ? now : Instant.MAX;
        graceUntil = check == null || attached ? now : now.plus(check.graceDuration());
    }

    /** How often the ports of a task with no check are looked at ({@link #guarded}). */
    static final java.time.Duration GUARD_INTERVAL = java.time.Duration.ofSeconds(2);

    /**
     * Whether this task has ports, a uid of its own and no check: then its ports alone are looked
     * at, every {@link #GUARD_INTERVAL} from its start ({@link HealthProbe#squatted}). A socket of
     * another uid on one makes it unhealthy at once (no grace: no program of its own is waited
     * for), so it is restarted under its policy and its instance is no endpoint while a squatter
     * holds its port; it is healthy again when the port is its own.
     */
    boolean guarded() {
        return check == null && ownUid != null && task.ports() != null && !task.ports().isEmpty();
    }

    /**
     * Takes a finished probe's answer (counted in {@code metrics}, if any) and starts the next
     * probe when it is due. Returns the verdict when it changed, else null.
     */
    Verdict poll(Instant now, AgentMetrics metrics) {
        if (check == null) {
            return guarded() ? guard(now) : null;
        }
        Verdict changed = null;
        if (tried != null && tried.isDone()) {
            HealthProbe.Tried t;
            try {
                t = tried.get();
            } catch (Exception e) {
                t = new HealthProbe.Tried("the probe failed: " + e, false);
            }
            boolean ok = t.failure() == null;
            if (!ok) {
                lastFailure = t.failure();
            }
            squatted = t.squat();
            tried = null;
            if (metrics != null) {
                metrics.checked(ok);
            }
            failures = failuresAfter(ok, t.squat(), now.isBefore(graceUntil), failures);
            Boolean next = verdict(ok, t.squat(), failures, check.thresholdCount(), healthy);
            if (next != null && !next.equals(healthy)) {
                healthy = next;
                changed = new Verdict(next, failures, next ? "health check passed"
                        : t.squat() ? "its ports are not its own: " + lastFailure : "health check failed " + failures + " times in a row, last: " + lastFailure);
            }
        }
        if (tried == null && !now.isBefore(checkAt)) {
            ProcessBuilder command = null;
            if (check.parsedType() == HealthCheck.Type.COMMAND) {
                try {
                    command = launcher.checkCommand(task, dir, check.command()); // as the task's user, never the agent's
                } catch (IOException | LaunchFailure e) {
                    Logger.getLogger(HealthWatch.class.getName()).warning("task " + task.id() + ": cannot run its check: " + e.getMessage());
                }
            }
            ProcessBuilder pb = command;
            Integer uid = ownUid;
            tried = pb == null && check.parsedType() == HealthCheck.Type.COMMAND
                    ? CompletableFuture.completedFuture(new HealthProbe.Tried("its command could not start", false))
                    : probes.submit(() -> HealthProbe.tried(check, task.ports(), pb, uid));
            checkAt = now.plus(check.intervalDuration());
        }
        return changed;
    }

    /** {@link #poll} of a {@link #guarded} task: its ports looked at, one look at a time on the probe pool. */
    private Verdict guard(Instant now) {
        Verdict changed = null;
        if (look != null && look.isDone()) {
            String held;
            try {
                held = look.get();
            } catch (Exception e) {
                held = null; // a look that could not read the tables finds no one
            }
            look = null;
            if (held != null) {
                lastFailure = held;
            }
            changed = guardVerdict(held, healthy);
            if (changed != null) {
                healthy = changed.healthy();
            }
        }
        if (look == null && !now.isBefore(checkAt)) {
            java.util.Map<String, Integer> ports = task.ports();
            int uid = ownUid;
            look = probes.submit(() -> HealthProbe.squatted(ports, uid));
            checkAt = now.plus(GUARD_INTERVAL);
        }
        return changed;
    }

    /** Why an unhealthy verdict stops the task, for its reason. */
    String stopReason(Verdict v) {
        return check == null || squatted ? "its ports are not its own: " + lastFailure
                : "health check " + describe() + " failed " + v.failures() + " times in a row, last: " + lastFailure;
    }

    /** What the last failed try said ("HTTP 500", "connection refused"), or null. */
    String lastFailure() {
        return lastFailure;
    }

    /** The try or look under way, if any, is cancelled: the task has ended. */
    void cancel() {
        if (look != null) {
            look.cancel(true);
        }
        if (tried != null) {
            tried.cancel(true);
        }
    }

    /** What the check is, for a reason ("http /ready on port http"). */
    String describe() {
        return switch (check.parsedType()) {
            case HTTP -> "http " + (check.path() == null ? "/" : check.path()) + " on port " + check.port();
            case TCP -> "tcp on port " + check.port();
            case COMMAND -> "command " + String.join(" ", check.command());
        };
    }

    /**
     * The verdict after a look at a guarded task's ports ({@code held}: which is held by another
     * user, or null), when it changes from {@code before}: unhealthy at the first look that finds
     * one, healthy again at the first that finds none after that; else null (no verdict while
     * none was ever found: the task is healthy as it runs).
     */
    static Verdict guardVerdict(String held, Boolean before) {
        if (held != null) {
            return Boolean.FALSE.equals(before) ? null : new Verdict(false, 1, "its ports are not its own: " + held);
        }
        return Boolean.FALSE.equals(before) ? new Verdict(true, 0, "its ports are its own again") : null;
    }

    /**
     * Failures in a row after a probe: a pass clears them; a failure in the initial grace does not
     * count, but for a squatter ({@code squat}: another user's socket on one of the task's ports),
     * which no wait for the task's program mends.
     */
    static int failuresAfter(boolean ok, boolean squat, boolean inGrace, int failures) {
        return ok ? 0 : inGrace && !squat ? failures : failures + 1;
    }

    /**
     * The verdict after a probe: healthy on a pass; unhealthy at once on a squatter's socket
     * ({@code squat}), in the grace or not, whatever the threshold (the task must be no endpoint
     * while another user's socket holds its port), and at {@code threshold} failures in a row;
     * else {@code before} (null: none yet).
     */
    static Boolean verdict(boolean ok, boolean squat, int failures, int threshold, Boolean before) {
        return ok ? Boolean.TRUE : squat || failures >= threshold ? Boolean.FALSE : before;
    }
}
