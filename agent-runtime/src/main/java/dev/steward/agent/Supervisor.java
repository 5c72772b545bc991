package dev.steward.agent;

import dev.steward.api.RestartPolicy;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;
import dev.steward.api.Units;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;

/**
 * Runs one task through its life, one {@link #tick} at a time on the agent's loop thread:
 * start, watch for its exit, restart by policy (attempts within an interval, doubling delay),
 * check its health ({@link HealthWatch}), and stop it (SIGTERM to its process group, SIGKILL after the kill timeout).
 * Every change of state is handed to the {@link Reporter}. Time comes in as an argument.
 *
 * <p>With a launch pool ({@link #launchOn}), a start is handed to one of the pool's threads
 * (LAUNCHING): the uid, cgroups, spawn and the RUNNING report's journaling happen there, several
 * tasks at once, and the loop thread is woken when it is done. A stop asked meanwhile is kept and
 * carried out once the process exists. Without one, the loop thread starts the task itself.
 */
final class Supervisor {
    /**
     * Where the task is. Moves: WAITING to FETCHING (a package to unpack), LAUNCHING (a start on
     * the pool), RUNNING (a start on the loop thread) or DONE (stopped, or failed before it
     * started); FETCHING to WAITING or DONE; LAUNCHING to RUNNING, STOPPING (a stop came while it
     * started) or DONE (its start failed); RUNNING to WAITING (a restart), STOPPING or DONE;
     * STOPPING to DONE.
     */
    enum Phase { WAITING, FETCHING, LAUNCHING, RUNNING, STOPPING, DONE }

    private final TaskInfo task;
    private final Path dir;
    private final Launcher launcher;
    private final Cgroups cgroups;
    private final Reporter reporter;
    private Phase phase = Phase.WAITING;
    private TaskProcess process;
    private Instant nextStart;
    private Instant killAt;
    private String stopReason;
    /** How a stop ends: KILLED when asked from outside, FAILED when the task broke a limit. */
    private TaskState stopAs = TaskState.KILLED;
    private int restarts;
    private final Deque<Instant> restartTimes = new ArrayDeque<>();
    private final HealthWatch health;
    /** Why the agent stopped the process for its health, until it exits. */
    private String healthKill;
    private final PackageCache packages;
    private java.util.concurrent.CompletableFuture<?> unpacking;
    /** The disk the task may fill: its allocation's, or the agent's default-task-disk when it asked for none (0: no limit). */
    private long diskLimitMib;
    private AgentMetrics metrics;
    /** When the task reached this agent, for its launch time; 0 once launched (or when attached to a running process). */
    private long acceptedNanos = System.nanoTime();
    /** Where starts run off the loop thread (null: on it), and what wakes the loop when one is done. */
    private java.util.concurrent.Executor launchPool;
    private Runnable wake;
    /** The start under way on the pool (LAUNCHING). */
    private java.util.concurrent.CompletableFuture<TaskProcess> launching;
    /** A stop asked while the task was LAUNCHING: carried out once its process exists. */
    private boolean stopWhenStarted;

    Supervisor(TaskInfo task, Path dir, Launcher launcher, Cgroups cgroups, Reporter reporter, ExecutorService probes, PackageCache packages,
               Instant now) {
        this.packages = packages;
        this.task = task;
        this.dir = dir;
        this.launcher = launcher;
        this.cgroups = cgroups;
        this.reporter = reporter;
        this.health = new HealthWatch(task, dir, launcher, probes);
        this.nextStart = now;
        this.restarts = task.restarts();
    }

    private LaunchTimes times;

    /** Where launches, restarts and health checks are counted. */
    Supervisor metrics(AgentMetrics m) {
        this.metrics = m;
        return this;
    }

    /**
     * Starts run on {@code pool} (the spawn, and the RUNNING report's journaling, off the loop
     * thread); {@code wake} is run once one has ended, to have the loop look at this task again.
     * A pool that refuses the start (it is full) leaves the task WAITING for the next tick.
     */
    Supervisor launchOn(java.util.concurrent.Executor pool, Runnable wake) {
        this.launchPool = pool;
        this.wake = wake;
        return this;
    }

    /** Where the launch's stages are noted. */
    Supervisor times(LaunchTimes t) {
        this.times = t;
        return this;
    }

    /** Re-attaches to a process an earlier run of the agent started. */
    static Supervisor attach(TaskInfo task, Path dir, TaskProcess p, Launcher launcher, Cgroups cgroups, Reporter reporter, ExecutorService probes,
                             PackageCache packages, Instant now) {
        Supervisor s = new Supervisor(task, dir, launcher, cgroups, reporter, probes, packages, now);
        s.process = p;
        s.phase = Phase.RUNNING;
        s.acceptedNanos = 0; // launched by an earlier run
        s.health.restart(now, true);
        return s;
    }

    TaskInfo task() {
        return task;
    }

    /** Sets the disk the task may fill (see {@link Agent}); before its first tick. */
    Supervisor diskLimit(long mib) {
        this.diskLimitMib = mib;
        return this;
    }

    long diskLimitMib() {
        return diskLimitMib;
    }

    Phase phase() {
        return phase;
    }

    TaskProcess process() {
        return process;
    }

    /** Whether the task has ended here: its last process is gone and its end reported. */
    boolean done() {
        return phase == Phase.DONE;
    }

    /** Stops the task for something it did (e.g. it wrote past its disk): it ends FAILED with {@code why}, and is not restarted. */
    void fail(String why, Instant now) {
        if (phase == Phase.RUNNING) {
            stopAs = TaskState.FAILED;
            stop(why, now);
        }
    }

    /** The task could not be started for this host's reasons before anything of it ran: it ends FAILED, the host's fault, with {@code why}. */
    void notStarted(String why, Instant now) {
        if (phase == Phase.WAITING) {
            finish(TaskState.FAILED, null, why, true, now);
        }
    }

    /** Asks the task to stop; idempotent. It ends KILLED with {@code why}. */
    void stop(String why, Instant now) {
        if (phase == Phase.DONE || phase == Phase.STOPPING) {
            return;
        }
        if (phase == Phase.LAUNCHING) {
            if (!stopWhenStarted) { // its process is being made: stopped as soon as it exists, for the first reason given
                stopWhenStarted = true;
                stopReason = why;
            }
            return;
        }
        stopReason = why;
        if (phase == Phase.WAITING || phase == Phase.FETCHING) {
            if (unpacking != null) {
                unpacking.cancel(false);
            }
            finish(TaskState.KILLED, null, why, now);
            return;
        }
        phase = Phase.STOPPING;
        process.signal("TERM");
        killAt = now.plus(task.spec().killTimeoutDuration());
    }

    void tick(Instant now) {
        switch (phase) {
            case WAITING -> {
                if (!now.isBefore(nextStart)) {
                    if (needsPackage()) {
                        fetch();
                    } else {
                        start(now);
                    }
                }
            }
            case FETCHING -> {
                if (unpacking.isDone()) {
                    try {
                        unpacking.join();
                        markUnpacked();
                        phase = Phase.WAITING;
                        start(now);
                    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException | IOException e) {
                        Throwable c = e.getCause() != null ? e.getCause() : e;
                        finish(TaskState.FAILED, null, "package " + dev.steward.api.Digests.shortForm(task.spec().packageDigest()) + ": "
                                + c.getMessage(), true, now);
                    }
                }
            }
            case LAUNCHING -> {
                if (launching.isDone()) {
                    launched(now);
                }
            }
            case RUNNING -> {
                if (!process.alive()) {
                    exited(now);
                } else {
                    health(now);
                }
            }
            case STOPPING -> {
                if (!process.alive()) {
                    Integer code = process.exitCode();
                    finish(stopAs, code, stopReason, now);
                } else if (!now.isBefore(killAt)) {
                    process.signal("KILL");
                    stopReason = stopReason + "; killed with SIGKILL after " + Units.format(task.spec().killTimeoutDuration());
                    killAt = now.plus(Duration.ofDays(1));
                }
            }
            case DONE -> {
            }
        }
    }

    /** Whether the task runs from a package not yet unpacked into its sandbox (a restart reuses the unpacked tree). */
    private boolean needsPackage() {
        return task.spec().packageDigest() != null && !java.nio.file.Files.exists(dir.resolve("package.unpacked"));
    }

    private void fetch() {
        phase = Phase.FETCHING;
        Path sandbox = dir.resolve("sandbox");
        try {
            if (java.nio.file.Files.exists(sandbox)) {
                dev.steward.pkg.Unpacker.clear(sandbox); // an unpack cut short by an agent restart
            }
            unpacking = packages.unpack(task.spec().packageDigest(), sandbox, diskLimitMib);
        } catch (IOException e) {
            unpacking = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private void markUnpacked() throws IOException {
        PrivateFiles.write(dir.resolve("package.unpacked"), (task.spec().packageDigest() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private void start(Instant now) {
        if (times != null && acceptedNanos != 0) {
            times.stamp(task.id(), LaunchTimes.Stage.FETCHED);
        }
        String taken = HostPorts.firstTaken(task.ports());
        if (taken != null) { // a restart would only meet it again: fail, and the service's replacement gets other ports
            finish(TaskState.FAILED, null, "port " + taken + " is in use on this host by another process; not started (its replacement is lent "
                    + "other ports)", true, now);
            return;
        }
        if (launchPool != null) {
            startOnPool(now);
            return;
        }
        try {
            process = spawn(now);
        } catch (LaunchFailure | IOException e) {
            finish(TaskState.FAILED, null, whyNotStarted(e), e instanceof LaunchFailure f && f.hostFault(), now);
            return;
        }
        running(now);
    }

    /** Hands the start to the pool (LAUNCHING); a full pool leaves the task WAITING, to try again on the next tick. */
    private void startOnPool(Instant now) {
        java.util.concurrent.CompletableFuture<TaskProcess> f = new java.util.concurrent.CompletableFuture<>();
        try {
            launchPool.execute(() -> {
                try {
                    f.complete(spawn(now));
                } catch (LaunchFailure | IOException | RuntimeException e) {
                    f.completeExceptionally(e);
                }
                wake.run();
            });
        } catch (java.util.concurrent.RejectedExecutionException full) {
            return;
        }
        launching = f;
        phase = Phase.LAUNCHING;
    }

    /**
     * The start itself (on the loop thread, or on the pool): the process is made, and its RUNNING
     * status journaled and handed to the reporter before anyone can see it running here, so it is
     * always the task's next report after the one before the start.
     */
    private TaskProcess spawn(Instant now) throws LaunchFailure, IOException {
        TaskProcess p = launcher.launch(task, dir);
        if (times != null && acceptedNanos != 0) {
            times.stamp(task.id(), LaunchTimes.Stage.STARTED);
        }
        if (acceptedNanos != 0 && metrics != null) { // the first start: a restart's wait is its policy's, not a launch's
            metrics.launched(System.nanoTime() - acceptedNanos);
        }
        report(new TaskStatus(0, TaskState.RUNNING, p.pid(), null, null, null, restarts, now));
        return p;
    }

    /** On the loop thread, once a start on the pool has ended: RUNNING (or STOPPING, if a stop came meanwhile), or FAILED. */
    private void launched(Instant now) {
        java.util.concurrent.CompletableFuture<TaskProcess> started = launching;
        launching = null;
        try {
            process = started.join();
        } catch (java.util.concurrent.CompletionException e) {
            finish(TaskState.FAILED, null, whyNotStarted(e.getCause()), e.getCause() instanceof LaunchFailure f && f.hostFault(), now);
            return;
        }
        running(now);
        if (stopWhenStarted) {
            stopWhenStarted = false;
            stop(stopReason, now);
        }
    }

    private void running(Instant now) {
        phase = Phase.RUNNING;
        acceptedNanos = 0;
        health.restart(now, false);
    }

    private static String whyNotStarted(Throwable e) {
        return e instanceof LaunchFailure ? e.getMessage() : "could not start: " + e.getMessage();
    }

    private void exited(Instant now) {
        Integer code = process.exitCode();
        boolean oom = cgroups.oomKilled(task.id());
        String why = oom ? "out of memory: killed by the kernel at its limit of " + Units.formatMib(task.resources().memoryMib())
                : healthKill != null ? healthKill + " (stopped with SIGTERM, exit code " + code + ")"
                : code == null ? "its process vanished without an exit status" : "exited with code " + code + LastOutputLine.quote(dir);
        long refused = code != null && code == 0 ? 0 : cgroups.forksRefused(task.id());
        if (refused > 0) {
            why += "; " + refused + (refused == 1 ? " fork was" : " forks were") + " refused at the process limit of " + cgroups.pidsMax()
                    + " (the agent's task-pids-max, threads included, shared by the allocation's tasks)";
        }
        healthKill = null;
        if (oom) {
            finish(TaskState.FAILED, code, why, now);
            return;
        }
        RestartPolicy policy = task.spec().restartPolicy();
        boolean success = code != null && code == 0;
        if (success && !Boolean.TRUE.equals(policy.always())) {
            finish(TaskState.EXITED, code, why, now);
            return;
        }
        restartOrFail(code, why, now);
    }

    private void restartOrFail(Integer code, String why, Instant now) {
        RestartPolicy policy = task.spec().restartPolicy();
        Instant horizon = now.minus(policy.intervalDuration());
        while (!restartTimes.isEmpty() && restartTimes.peekFirst().isBefore(horizon)) {
            restartTimes.pollFirst();
        }
        if (restartTimes.size() >= policy.attemptsCount()) {
            if (policy.failMode()) {
                finish(TaskState.FAILED, code, why + "; no restarts left (" + policy.attemptsCount() + " in " + Units.format(policy.intervalDuration()) + ")", now);
                return;
            }
            nextStart = restartTimes.peekFirst().plus(policy.intervalDuration()); // delay mode: wait out the interval
        } else {
            long factor = 1L << Math.min(restartTimes.size(), 16);
            Duration delay = policy.delayDuration().multipliedBy(factor);
            nextStart = now.plus(delay.compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : delay);
        }
        restartTimes.addLast(nextStart);
        restarts++;
        if (metrics != null) {
            metrics.restarted();
        }
        phase = Phase.WAITING;
        cgroups.remove(task.id());
        report(new TaskStatus(0, TaskState.RESTARTING, process.pid(), code, null, why + "; restarting at " + nextStart, restarts, now));
    }

    private void health(Instant now) {
        HealthWatch.Verdict v = health.poll(now, metrics);
        if (v != null) {
            report(new TaskStatus(0, TaskState.RUNNING, process.pid(), null, v.healthy(), v.reason(), restarts, now));
            if (!v.healthy()) {
                healthKill = health.stopReason(v);
                process.signal("TERM"); // an unhealthy task is restarted under its policy
            }
        }
    }

    /** The last line the task wrote to stderr, as a hint next to a non-zero exit ("" if none). */
    private void finish(TaskState state, Integer code, String why, Instant now) {
        finish(state, code, why, false, now);
    }

    /** {@code hostFault}: it was not started for this host's reasons, not its own (a port held here, no task uid, its package not fetched). */
    private void finish(TaskState state, Integer code, String why, boolean hostFault, Instant now) {
        phase = Phase.DONE;
        health.cancel();
        cgroups.remove(task.id());
        try {
            Launcher.removeSecrets(dir);
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(Supervisor.class.getName()).warning("task " + task.id() + ": cannot remove its secrets: " + e);
        }
        launcher.ended(task.id(), dir);
        report(new TaskStatus(0, state, process == null || process.pid() <= 0 ? null : process.pid(), code, null, why, restarts, now,
                hostFault ? Boolean.TRUE : null));
    }

    /** Hands {@code s} to the reporter, and says it in the agent's log ({@link TaskEvents}). */
    private void report(TaskStatus s) {
        TaskEvents.log(task, s);
        reporter.report(task.id(), s);
    }
}
