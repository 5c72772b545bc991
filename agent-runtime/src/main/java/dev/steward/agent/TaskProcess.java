package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A running task's wrapper process, known by its pid and the start time the kernel gives it
 * (so a reused pid is never mistaken for it), and its task directory, where the wrapper writes
 * the exit status. Works the same for a process this agent started and one it re-attached to.
 * A task whose wrapper ran and exited while no pid was recorded (the agent died between the
 * spawn and the pid file) is {@link #exited}: never alive, never signalled, its exit status read
 * from the directory as for any other.
 */
public final class TaskProcess {
    private static final Logger LOG = Logger.getLogger(TaskProcess.class.getName());
    private final Path dir;
    private final long pid;
    private final long startTime;

    TaskProcess(Path dir, long pid, long startTime) {
        this.dir = dir;
        this.pid = pid;
        this.startTime = startTime;
    }

    /** The wrapper's pid; 0 for {@link #exited}, whose pid was never recorded. */
    public long pid() {
        return pid;
    }

    /** A wrapper that ran in {@code dir} and exited before its pid was recorded: it left only its exit file. */
    static TaskProcess exited(Path dir) {
        return new TaskProcess(dir, 0, Long.MIN_VALUE);
    }

    /**
     * A start that a crash cut short between the spawn and the pid file: the wrapper runs (or ran)
     * with no pid recorded, or with the pid of the task's previous run. A live wrapper for
     * {@code dir} is adopted and recorded; one that already exited left its exit file, and the
     * task is taken as ended with that status. Either way the task is not started a second time.
     * Otherwise {@code recorded} (null: never started) stands.
     */
    static TaskProcess unrecorded(String task, Path dir, TaskProcess recorded, Map<Path, TaskProcess> running) {
        TaskProcess live = running.get(dir.toAbsolutePath().normalize());
        if (live != null && !live.same(recorded)) {
            try {
                live.save();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "task " + task + ": cannot record the pid of its running wrapper", e);
            }
            LOG.warning("task " + task + ": adopted its wrapper, pid " + live.pid() + ", started just before the agent stopped (its pid had not been recorded)");
            return live;
        }
        if (recorded == null && Files.exists(dir.resolve("exit"))) {
            LOG.warning("task " + task + ": its wrapper ran and exited while the agent was down, before its pid was recorded; not started again");
            return exited(dir);
        }
        return recorded;
    }

    /**
     * The live wrappers of {@code wrapper} (the agent's wrapper.sh) run by this agent's user, by
     * the task directory each was started for, as {@code /proc} shows them. A start's argv is
     * {@code setsid /bin/sh WRAPPER TASKDIR ...} and setsid execs the shell in place, so the pid
     * is the one the spawn returned. A process of another user (a task, which could forge such a
     * command line) is never taken.
     */
    static Map<Path, TaskProcess> wrappers(Path wrapper) {
        Map<Path, TaskProcess> found = new HashMap<>();
        String script = wrapper.toString();
        Object self;
        try {
            self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return found; // no /proc: nothing to find
        }
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String[] argv = new String(Files.readAllBytes(proc.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8).split("\0");
                    for (int i = 0; i + 1 < argv.length; i++) {
                        if (argv[i].equals(script) && self.equals(Files.getAttribute(proc, "unix:uid"))) {
                            long pid = Long.parseLong(name);
                            long start = startTimeOf(pid);
                            if (start >= 0) {
                                Path dir = Path.of(argv[i + 1]).toAbsolutePath().normalize();
                                found.put(dir, new TaskProcess(dir, pid, start));
                            }
                            break;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended while it was read
                }
            }
        } catch (IOException e) {
            return found;
        }
        return found;
    }

    /** The kernel's start time of {@code pid} (clock ticks after boot), or -1 if there is no such process or it is a zombie. */
    static long startTimeOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String afterName = stat.substring(stat.lastIndexOf(')') + 2);
            String[] f = afterName.split(" ");
            if (f[0].equals("Z") || f[0].equals("X")) {
                return -1;
            }
            return Long.parseLong(f[19]); // field 22 of stat; field 3 (state) is f[0]
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * True while the wrapper runs. A wrapper whose start time could not be read (it had exited
     * before the agent looked: startTimeOf gave -1) is never alive; without this check it would be
     * alive for ever once reaped, as -1 is also what a gone process reads as.
     */
    public boolean alive() {
        return pid > 0 && startTime >= 0 && startTimeOf(pid) == startTime;
    }

    /** The exit status the wrapper recorded, or null if it has not (still running, or killed itself). */
    public Integer exitCode() {
        try {
            return Integer.parseInt(Files.readString(dir.resolve("exit")).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Sends a signal (TERM, KILL) to the task's whole process group. */
    public void signal(String sig) {
        if (pid <= 0) {
            return; // exited: there is no process to signal, and -0 would be the agent's own group
        }
        String target = target();
        if (target == null) {
            return; // gone meanwhile
        }
        try {
            Process p = new ProcessBuilder("kill", "-s", sig, "--", target).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal task process group " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What a signal goes to: the wrapper's process group ({@code -PID}) once setsid has made it.
     * The agent may signal a task the moment its start returns (a stop that came while it
     * started), when the new process may not have called setsid yet: a signal to a group that does
     * not exist is lost, and the stop would then wait out the task's whole kill timeout. So this
     * waits for the group, at most {@link #SESSION_WAIT_NANOS}; past that (setsid never ran) the
     * pid alone. Null when the process is gone (or its pid is another's now).
     */
    private String target() {
        long deadline = System.nanoTime() + SESSION_WAIT_NANOS;
        while (true) {
            if (!alive()) {
                return null;
            }
            long group = groupOf(pid);
            if (group == pid) {
                return "-" + pid;
            }
            if (group < 0) {
                return null;
            }
            if (System.nanoTime() - deadline > 0) {
                LOG.warning("task process " + pid + " has no process group of its own after " + SESSION_WAIT_NANOS / 1_000_000
                        + " ms; signalling the process alone");
                return Long.toString(pid);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** How long a signal waits for a just-started wrapper's setsid (an exec and a call: milliseconds, more on a loaded machine). */
    static final long SESSION_WAIT_NANOS = 2_000_000_000L;

    /** The process group of {@code pid} (field 5 of its stat), or -1 if there is no such process. */
    static long groupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]); // field 3 (state) is [0]
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Whether {@code o} is the same process: the same pid with the same start time. */
    boolean same(TaskProcess o) {
        return o != null && o.pid == pid && o.startTime == startTime;
    }

    void save() throws IOException {
        PrivateFiles.write(dir.resolve("pid"), (pid + " " + startTime + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** The process recorded in {@code dir}, or null if none was started there. */
    static TaskProcess load(Path dir) {
        try {
            String[] f = Files.readString(dir.resolve("pid")).trim().split(" ");
            return new TaskProcess(dir, Long.parseLong(f[0]), Long.parseLong(f[1]));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
