package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Which user each task runs as, when the agent runs as root. By default every task gets a uid of
 * its own (and the gid of the same number) from a configured range, as Mesos' and Nomad's
 * isolation do: numeric ids, no /etc/passwd entry needed. So one task cannot read another's
 * sandbox, secrets or {@code /proc/PID/environ}, nor signal its processes. A task whose spec
 * names a user (the allocator checked its role may) runs as that user instead; root only where
 * this agent allows it.
 *
 * <p>A uid is held from the task's first start until it ends, through restarts and agent
 * restarts (it is written to the task directory). Holding is machine-wide, so several agents on
 * one machine never give one uid to two tasks: a lease file {@code LEASES/UID} (created with
 * O_EXCL) names the task directory that holds it; a lease whose task directory is gone or ended
 * is stale and taken over. When a uid is given back, every process still running as it is killed,
 * scan after scan until one finds none, before its lease goes: a uid whose processes cannot all be
 * killed stays leased, never handed on. So a free lease means no process runs as the uid, and
 * handing it out needs no scan of /proc (a scan costs a launch 10 to 30 ms: AgentBench). A stale
 * lease is the exception (its holder never gave it back: its agent died, or its directory went):
 * taken over, its uid's processes are killed first. Before a uid is handed on, what it owns in the
 * machine's world-writable places ({@code /tmp}, {@code /dev/shm}, System V IPC: {@link UidSweep})
 * is removed too. Nothing a task left behind meets the next task of that uid.
 * Safe to use from several threads: tasks start on the agent's launcher threads, several at once,
 * and end on its loop thread.
 */
final class TaskUsers {
    /** A user to run as: numeric ids, and the name for messages. */
    record User(int uid, int gid, String name, boolean perTask) {
        /** setpriv's arguments, before the command; {@code noNewPrivs}: the command and what it runs gain nothing from setuid or file capabilities. */
        java.util.List<String> setpriv(boolean noNewPrivs) {
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("setpriv", "--reuid=" + uid, "--regid=" + gid,
                    perTask ? "--clear-groups" : "--init-groups"));
            if (noNewPrivs) {
                a.add("--no-new-privs");
            }
            a.add("--");
            return a;
        }
    }

    static final String DEFAULT_RANGE = "61000-61999";
    /** Where the machine's agents record which task holds which uid (tmpfs: tasks do not outlive a reboot either). */
    static final Path LEASES = Path.of("/run/steward/task-uids");
    private static final String FILE = "uid";

    private final int first;
    private final int last;
    private final boolean allowRoot;
    private final Map<String, Integer> held = new HashMap<>();
    /** Named users' ids, looked up once (a command health check asks for its task's user every interval). */
    private final Map<String, User> named = new HashMap<>();
    private final UidLeases leases;
    private final java.util.List<Path> shared;
    /** Uids this agent is giving back (their leases are marked so until they are clear). */
    private final java.util.Set<Integer> releasing = new java.util.HashSet<>();
    /** Ended tasks whose uid is queued to be given back ({@link UidReleases}), its release not begun. */
    private final java.util.Set<String> ending = new java.util.HashSet<>();
    /**
     * How long a start that finds every uid held waits for one this agent is giving back (a task
     * that just ended: its uid is swept first, in a pass every 2 s at most) before it fails.
     */
    static final long UID_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    /** {@code range} is "FIRST-LAST" (both included), between 1000 and 2^31-2. */
    TaskUsers(String range, boolean allowRoot) {
        this(range, allowRoot, LEASES);
    }

    TaskUsers(String range, boolean allowRoot, Path leases) {
        this(range, allowRoot, leases, UidSweep.SHARED);
    }

    /** {@code shared}: the world-writable directories swept of what a uid owns before it is handed on ({@link UidSweep}). */
    TaskUsers(String range, boolean allowRoot, Path leases, java.util.List<Path> shared) {
        this.allowRoot = allowRoot;
        this.leases = new UidLeases(leases);
        this.shared = shared;
        String[] p = range.trim().split("-");
        try {
            if (p.length != 2) {
                throw new NumberFormatException();
            }
            first = Integer.parseInt(p[0].trim());
            last = Integer.parseInt(p[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("task-uids: '" + range + "' is not a range such as " + DEFAULT_RANGE);
        }
        if (first < 1000 || last < first || last > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("task-uids: " + range + " must be FIRST-LAST with 1000 <= FIRST <= LAST (system users are below 1000)");
        }
    }

    /**
     * Lets task users pass through {@code dataDir} and {@code tasksDir} (0711: they list nothing)
     * to their sandboxes, and checks every directory above lets them through too; if one does not,
     * the agent must not start, and the message names it.
     */
    static void openPath(Path dataDir, Path tasksDir) throws IOException {
        for (Path d : java.util.List.of(dataDir, tasksDir)) {
            Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        }
        for (Path d = dataDir.getParent(); d != null; d = d.getParent()) {
            if (!Files.getPosixFilePermissions(d).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException("tasks run as users of their own, who cannot reach their sandboxes under " + dataDir + ": " + d
                        + " is closed to them (mode " + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(d))
                        + "). Choose a data directory they can pass through to (the default as root is /var/lib/steward/agent), "
                        + "or let them through with chmod o+x " + d);
            }
        }
    }

    String range() {
        return first + "-" + last;
    }

    /**
     * The user task {@code taskId} runs as: the named one if its spec names one, else its own uid
     * (the one it holds, or the lowest free one, recorded in {@code taskDir}).
     */
    synchronized User acquire(String taskId, Path taskDir, String named) throws LaunchFailure, IOException {
        if (named != null) {
            User u = this.named.get(named);
            if (u == null) {
                u = lookup(named);
                this.named.put(named, u);
            }
            if (u.uid() == 0 && !allowRoot) {
                throw new LaunchFailure("this agent does not run tasks as root (its allow-root-tasks setting is off)");
            }
            return u;
        }
        Integer uid = held.get(taskId);
        if (uid == null) {
            Taken t = takeWaiting(taskDir);
            uid = t.uid();
            if (t.reclaimed()) {
                killAll(uid); // a former holder that never gave it back may have left processes, and files
                UidSweep.Result r = UidSweep.sweep(uid, shared);
                if (!r.clean()) {
                    java.util.logging.Logger.getLogger(TaskUsers.class.getName()).warning("uid " + uid + ", taken over from a stale lease, "
                            + "still owns what could not be removed: " + r.left().get(uid));
                }
            }
            held.put(taskId, uid);
            PrivateFiles.write(taskDir.resolve(FILE), (uid + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return new User(uid, uid, Integer.toString(uid), true);
    }

    /**
     * {@link #take}, waiting (the lock let go meanwhile) while every uid is held but this agent is
     * giving one back: a task that starts just as another ended gets its uid once it is swept,
     * instead of failing with "no free task uid". Fails as {@link #take} does when none is being
     * given back, or after {@link #UID_WAIT_NANOS}.
     */
    private Taken takeWaiting(Path taskDir) throws LaunchFailure, IOException {
        long deadline = System.nanoTime() + UID_WAIT_NANOS;
        while (true) {
            try {
                return take(taskDir);
            } catch (LaunchFailure none) {
                long left = deadline - System.nanoTime();
                if (ending.isEmpty() && releasing.isEmpty() || left <= 0) {
                    throw none;
                }
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the agent stops
                    throw none;
                }
            }
        }
    }

    /** The ended task {@code taskId}'s uid is queued to be given back: a start that finds none free waits for it ({@link #takeWaiting}). */
    synchronized void ending(String taskId) {
        if (held.containsKey(taskId)) {
            ending.add(taskId);
        }
    }

    /** The uid of its own that the task in {@code taskDir} recorded as it started; null when it has none (not started, or a named user). */
    static Integer recorded(Path taskDir) {
        try {
            return Integer.valueOf(Files.readString(taskDir.resolve(FILE)).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Holds again the uid a task recorded before the agent restarted (none if it ran as a named user). */
    synchronized void recover(String taskId, Path taskDir) {
        try {
            int uid = Integer.parseInt(Files.readString(taskDir.resolve(FILE)).trim());
            if (uid >= first && uid <= last) {
                held.put(taskId, uid);
                String owner = taskDir.toAbsolutePath().toString();
                if (!leases.tryLease(uid, owner) && !owner.equals(leases.owner(uid))) {
                    java.util.logging.Logger.getLogger(TaskUsers.class.getName()).warning("uid " + uid + " of task " + taskId
                            + " is leased to " + leases.owner(uid) + " too");
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not started yet, or as a named user
        }
    }

    /** Scans of /proc a release makes, at most, to see its uid's processes gone (a forking task can outrun one pass). */
    static final int RELEASE_PASSES = 20;

    /** Gives the task's uid back, once no process runs as it any more; if some still do after every pass, the lease stays. */
    void release(String taskId, Path taskDir) {
        releaseAll(java.util.Map.of(taskId, taskDir));
    }

    /**
     * Gives back the uids of several ended tasks (task id to its directory): each once no process
     * runs as it and what it owns in the machine's shared places is removed, in one sweep for all of
     * them. A uid whose processes survive every pass, or whose files cannot all be removed, stays
     * leased and is never handed on.
     */
    void releaseAll(java.util.Map<String, Path> ended) {
        java.util.Map<Integer, String> uids = new java.util.TreeMap<>(); // uid to its task
        java.util.Map<Integer, Path> dirs = new java.util.HashMap<>();
        synchronized (this) { // each uid's lease stays, marked as being released, until the uid is clear: no agent takes it meanwhile
            ended.forEach((task, dir) -> {
                ending.remove(task);
                Integer uid = held.remove(task);
                if (uid != null) {
                    String owner = dir.toAbsolutePath().toString();
                    if (leases.owner(uid) == null) {
                        leases.tryLease(uid, owner); // its lease went missing: hold it again while the uid is cleared
                    }
                    if (!owner.equals(leases.owner(uid))) {
                        java.util.logging.Logger.getLogger(TaskUsers.class.getName()).warning("uid " + uid + " of task " + task
                                + " is leased to " + leases.owner(uid) + " now: it is not this task's to give back");
                        return;
                    }
                    leases.mark(uid, owner, UidLeases.RELEASING + UidLeases.self());
                    releasing.add(uid);
                    uids.put(uid, task);
                    dirs.put(uid, dir);
                }
            });
        }
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(TaskUsers.class.getName());
        java.util.Set<Integer> clear = new java.util.TreeSet<>();
        uids.forEach((uid, task) -> {
            int pass = 0;
            while (killAll(uid) > 0 && ++pass < RELEASE_PASSES) {
                Reporter.pause(2); // a SIGKILLed process is gone (or a zombie, which runs nothing) once the kernel next schedules it
            }
            if (pass >= RELEASE_PASSES) {
                log.warning("processes of uid " + uid + " (task " + task + ") survived " + RELEASE_PASSES
                        + " passes of SIGKILL; the uid stays leased and is not handed to another task");
                leases.mark(uid, dirs.get(uid).toAbsolutePath().toString(), UidLeases.QUARANTINED + "processes survived SIGKILL");
            } else {
                clear.add(uid);
            }
        });
        UidSweep.Result r = UidSweep.sweep(clear, shared);
        for (int uid : clear) {
            if (!r.clean(uid)) {
                log.warning("uid " + uid + " (task " + uids.get(uid) + ") still owns " + r.left().get(uid)
                        + " in the machine's shared places; the uid stays leased and is not handed to another task");
                leases.mark(uid, dirs.get(uid).toAbsolutePath().toString(), UidLeases.QUARANTINED + "files left: " + r.left().get(uid).get(0));
                continue;
            }
            String owner = dirs.get(uid).toAbsolutePath().toString();
            try {
                if (owner.equals(leases.owner(uid))) {
                    leases.delete(uid);
                }
            } catch (IOException e) {
                log.warning("cannot give back the lease of uid " + uid + ": " + e);
            }
        }
        synchronized (this) {
            releasing.removeAll(uids.keySet()); // given back, or quarantined in its lease
            notifyAll(); // a start waiting for a uid looks again
        }
    }

    /**
     * On (the default): tasks run with no_new_privs, so a setuid-root program on the machine (su,
     * passwd, or any other) runs as the task's own uid, and file capabilities are not granted; off:
     * such programs work as they would for a login of that user.
     */
    private volatile boolean noNewPrivs = true;

    TaskUsers noNewPrivileges(boolean on) {
        this.noNewPrivs = on;
        return this;
    }

    /**
     * The file mode creation mask tasks start with (default 0077): a task has a uid of its own, so
     * the group and other bits of what it creates reach only other tenants' tasks (a file it
     * writes to {@code /tmp} with the usual 0022 would be readable by all of them). A task may
     * still set its own.
     */
    private volatile int umask = DEFAULT_UMASK;
    static final int DEFAULT_UMASK = 0077;

    TaskUsers umask(int mask) {
        this.umask = mask;
        return this;
    }

    /** The umask as the shell's {@code umask} builtin takes it (four octal digits). */
    String umask() {
        return String.format("%04o", umask);
    }

    /** setpriv's arguments to run as {@code u}, before the command. */
    java.util.List<String> setpriv(User u) {
        return u.setpriv(noNewPrivs);
    }

    synchronized int held() {
        return held.size();
    }

    /** A uid leased to a task: {@code reclaimed} when it was taken over from a stale lease. */
    private record Taken(int uid, boolean reclaimed) {
    }

    /** The lowest uid of the range no task on this machine holds, leased to {@code taskDir}. */
    private Taken take(Path taskDir) throws LaunchFailure, IOException {
        leases.ensureDirectory();
        String owner = taskDir.toAbsolutePath().toString();
        java.util.Set<Integer> mine = new java.util.HashSet<>(held.values());
        mine.addAll(releasing); // being given back by this agent: their leases say so, and reading them is no use
        for (int u = first; u <= last; u++) {
            if (mine.contains(u)) {
                continue;
            }
            if (leases.tryLease(u, owner)) {
                return new Taken(u, false);
            }
            String[] other = leases.lines(u);
            if (other != null && UidLeases.stale(other)) {
                leases.delete(u);
                if (leases.tryLease(u, owner)) {
                    return new Taken(u, true);
                }
            }
        }
        throw LaunchFailure.ofHost("no free task uid on this machine: all " + (last - first + 1L) + " of task-uids " + range() + " are held by running tasks");
    }

    /** SIGKILL to every process whose real or effective uid is {@code uid}; returns how many there were. */
    static int killAll(int uid) {
        int found = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) procs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                if (runsAs(d, uid)) {
                    found++;
                    ProcessHandle.of(Long.parseLong(name)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(TaskUsers.class.getName()).warning("cannot list processes to stop those of uid " + uid + ": " + e);
            return 1; // not known to be clear
        }
        return found;
    }

    private static boolean runsAs(Path procDir, int uid) {
        try {
            for (String line : Files.readAllLines(procDir.resolve("status"))) {
                if (line.startsWith("State:") && line.substring(6).trim().startsWith("Z")) {
                    return false; // a zombie runs nothing and holds nothing: its parent has yet to collect its status
                }
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return Integer.parseInt(f[0]) == uid || Integer.parseInt(f[1]) == uid;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile
        }
        return false;
    }

    /** A named system user's ids, from {@code id}. */
    static User lookup(String name) throws LaunchFailure, IOException {
        String uid = id("-u", name);
        String gid = id("-g", name);
        if (uid == null || gid == null) {
            throw new LaunchFailure("user '" + name + "' does not exist on this agent");
        }
        return new User(Integer.parseInt(uid), Integer.parseInt(gid), name, false);
    }

    private static String id(String flag, String name) throws IOException {
        Process p = new ProcessBuilder("id", flag, "--", name).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        try {
            return p.waitFor() == 0 && out.matches("\\d+") ? out : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
