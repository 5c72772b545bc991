package dev.steward.agent;

import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Starts a task: its sandbox directory, its environment (the spec's, plus {@code PORT_<NAME>}
 * for each of the allocation's ports and {@code STEWARD_*}), its cgroups, and the wrapper in a
 * session of its own, running the command as the task's user ({@link TaskUsers}: as root, a uid
 * of its own by default). Output goes to {@code stdout.log} and {@code stderr.log}, files of the
 * agent (0600) opened for appending so rotation can truncate them: the task writes them through
 * the descriptors it inherits, and no task can open them. The sandbox is the task user's, 0700.
 * The spec's secrets become files of the task's user (0400) in {@code secrets/} (0500) beside the
 * sandbox, named by {@code STEWARD_SECRETS}; they are never put in the environment, and they are
 * removed when the task ends ({@link #removeSecrets}). When the task ends its directory is closed
 * (0700) and its uid given back ({@link #ended}).
 */
public final class Launcher {
    static final String TASK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private final Path wrapper;
    private final Cgroups cgroups;
    /** Null when the agent is not root: tasks run as the agent. */
    private final TaskUsers users;
    /** The user every task runs as when the agent's config names one; null: a uid per task. */
    private final String user;

    private final boolean cpuQuota;

    /** {@code users} null: tasks run as the agent; {@code user} non-null: every task runs as that named user, unless its spec names one. */
    Launcher(Path dataDir, Cgroups cgroups, TaskUsers users, String user, boolean cpuQuota) throws IOException {
        this.cpuQuota = cpuQuota;
        this.cgroups = cgroups;
        this.users = users;
        this.releases = users == null ? null : new UidReleases(users);
        this.user = user == null || user.isBlank() ? null : user;
        this.wrapper = dataDir.resolve("wrapper.sh");
        try (InputStream in = Launcher.class.getResourceAsStream("wrapper.sh")) {
            Path tmp = dataDir.resolve("wrapper.sh.tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, wrapper, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The wrapper script every task is started through (its path is in each wrapper's command line). */
    Path wrapper() {
        return wrapper;
    }

    /** Where the launch's cgroup and spawn stages are noted (null: nowhere). */
    volatile LaunchTimes times;

    /** Whether a task that runs as a user of its own gets a /tmp and /var/tmp of its own ({@link TaskMounts}); the agent sets it once it knows. */
    volatile boolean privateTmp;

    /** Whether such a task's /proc shows only its own processes (it needs the mount namespace privateTmp gives); the agent sets it. */
    volatile boolean hideProcesses;

    /** keyctl, with which a task of its own uid starts with an empty session keyring of its own ({@link TaskKeyrings}); null: none. The agent sets it. */
    volatile Path keyctl;

    /** Whether such a task has an IPC namespace and a /dev/shm of its own (it needs the mount namespace privateTmp gives); the agent sets it. */
    volatile boolean privateIpc;

    TaskProcess launch(TaskInfo t, Path taskDir) throws LaunchFailure, IOException {
        TaskSpec spec = t.spec();
        if (users == null && spec.user() != null) {
            throw new LaunchFailure("this agent runs tasks as itself (it is not root, or its config sets user empty), so it cannot run a task "
                    + "as user '" + spec.user() + "'");
        }
        TaskUsers.User u = users == null ? null : users.acquire(t.id(), taskDir, spec.user() != null ? spec.user() : user);
        Path sandbox = taskDir.resolve("sandbox");
        Files.createDirectories(sandbox);
        Path workdir = sandbox.resolve(spec.workdir() == null ? "." : spec.workdir()).normalize();
        if (!workdir.startsWith(sandbox)) {
            throw new LaunchFailure("workdir '" + spec.workdir() + "' is outside the task's sandbox");
        }
        Files.createDirectories(workdir);
        Map<String, String> env = environment(t, sandbox);
        env.put("STEWARD_SECRETS", writeSecrets(taskDir, spec.secrets(), u).toString());
        String command = resolve(spec.command(), workdir, env.get("PATH"));
        Files.deleteIfExists(taskDir.resolve("exit"));
        boolean ownTmp = privateTmp && u != null;
        List<String> argv = new ArrayList<>(List.of("setsid"));
        if (ownTmp) { // unshare execs the wrapper in place, in a mount namespace of its own: the pid and the wrapper's command line are as without
            argv.addAll(List.of("unshare", "--mount", "--propagation", "private"));
            if (privateIpc) {
                argv.add("--ipc");
            }
        }
        argv.addAll(List.of("/bin/sh", wrapper.toString(), taskDir.toString()));
        // never uncapped: an allocation stored before the allocator refused one of no cpus or memory gets the least one may have
        long memory = t.resources() == null ? 0 : Math.max(dev.steward.api.Limits.MIN_MEMORY_MIB, t.resources().memoryMib());
        long cpu = t.resources() == null || !cpuQuota ? 0 : Math.max(dev.steward.api.Limits.MIN_CPU_MILLIS, t.resources().cpuMillis());
        List<Path> procs = cgroups.create(t.allocationId(), t.id(), memory, cpu);
        stamp(t.id(), LaunchTimes.Stage.CGROUP);
        procs.forEach(p -> argv.add(p.toString()));
        if (procs.isEmpty() && memory > 0) {
            env.put("STEWARD_RLIMIT_AS_KB", Long.toString(memory * 1024 * 4)); // no cgroups: a generous address-space cap
        }
        argv.add("--");
        for (String log : List.of("stdout.log", "stderr.log")) {
            agentOnly(taskDir.resolve(log));
        }
        if (u != null) {
            chown(sandbox, u);
            Files.setPosixFilePermissions(sandbox, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(taskDir, PosixFilePermissions.fromString("rwx--x--x")); // passed through to the sandbox, nothing listed
            argv.addAll(users.setpriv(u));
            env.put("STEWARD_UMASK", users.umask()); // the wrapper takes it out of the environment and sets it for the command alone
            Path k = keyctl;
            if (k != null) {
                env.put("STEWARD_NEW_KEYRING", k.toString()); // never the agent's session keyring, nor another task's
            }
        }
        if (ownTmp) { // the wrapper binds it over /tmp and /var/tmp before the command starts
            List<Path> own = TaskMounts.make(taskDir, u);
            env.put("STEWARD_PRIVATE_TMP", own.get(0).toString());
            env.put("STEWARD_PRIVATE_VAR_TMP", own.get(1).toString());
            if (hideProcesses) {
                env.put("STEWARD_HIDE_PROCESSES", "1");
            }
            if (privateIpc) { // its /dev/shm is memory it may hold: at most its limit (0: none set, the tmpfs default)
                env.put("STEWARD_PRIVATE_IPC", Long.toString(memory));
            }
            env.putIfAbsent("TMPDIR", "/tmp"); // the spec's own TMPDIR wins
        } else {
            Path tmp = tmpDir(sandbox, u);
            if (tmp != null && !env.containsKey("TMPDIR")) { // the spec's own TMPDIR wins
                env.put("TMPDIR", tmp.toString());
            }
        }
        argv.add(command);
        if (spec.args() != null) {
            argv.addAll(spec.args());
        }
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workdir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(taskDir.resolve("stdout.log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(taskDir.resolve("stderr.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        stamp(t.id(), LaunchTimes.Stage.SPAWNED);
        long start = -1;
        for (int i = 0; i < 200 && start < 0 && p.isAlive(); i++) {
            start = TaskProcess.startTimeOf(p.pid());
        }
        TaskProcess tp = new TaskProcess(taskDir, p.pid(), start);
        tp.save();
        return tp;
    }

    private void stamp(String task, LaunchTimes.Stage stage) {
        LaunchTimes l = times;
        if (l != null) {
            l.stamp(task, stage);
        }
    }

    static final String SECRETS = "secrets";

    /**
     * Writes each secret to {@code taskDir/secrets/NAME}, afresh on every start (a restart gets the
     * spec's values, nothing left over), and gives them to the task's user {@code u} (if any):
     * files 0400 in a 0500 directory, written while both are still the agent's. Returns the directory.
     */
    static Path writeSecrets(Path taskDir, Map<String, String> secrets, TaskUsers.User u) throws IOException {
        removeSecrets(taskDir);
        Path dir = Files.createDirectory(taskDir.resolve(SECRETS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<Path> files = new ArrayList<>();
        if (secrets != null) {
            for (Map.Entry<String, String> e : secrets.entrySet()) {
                Path f = dir.resolve(e.getKey()).normalize();
                if (!dir.equals(f.getParent())) { // the allocator checks names; this keeps a bad one from writing elsewhere all the same
                    throw new IOException("secret name '" + e.getKey() + "' is not a plain file name");
                }
                Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(f, e.getValue());
                files.add(f);
            }
        }
        for (Path f : files) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
            owner(f, u);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        owner(dir, u);
        return dir;
    }

    private static void owner(Path p, TaskUsers.User u) throws IOException {
        if (u != null) {
            Files.setAttribute(p, "unix:uid", u.uid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", u.gid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
    }

    /**
     * The task's own temporary directory, {@code sandbox/tmp}: the task user's, 0700. Programs that
     * honour {@code TMPDIR} then keep their temporary files out of the machine's shared {@code /tmp},
     * where other tasks could see them and no disk limit counts them; they count against the
     * task's disk and go with its sandbox. Null (no TMPDIR set) when the sandbox holds something
     * else by that name, e.g. a package's file.
     */
    static Path tmpDir(Path sandbox, TaskUsers.User u) throws IOException {
        Path tmp = sandbox.resolve("tmp");
        // The sandbox is the task's: on a restart its processes may still run and swap names in it. So nothing here follows a
        // link: a directory already there (made at an earlier start, or by its package) is left as it is; a new one is made 0700
        // by mkdir itself and then given to the task user with lchown.
        if (Files.isDirectory(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return tmp;
        }
        try {
            Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return null; // a file or a link by that name
        }
        owner(tmp, u);
        return tmp;
    }

    /** Creates {@code f} 0600 if it is not there, and makes it so if it is: the agent's alone. */
    private static void agentOnly(Path f) throws IOException {
        try {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /**
     * After the task's end: its directory is closed (0700, so whoever holds its uid next reaches
     * nothing of it) and its uid given back, with any process still running as it killed.
     */
    void ended(String taskId, Path taskDir) {
        try {
            if (Files.isDirectory(taskDir)) {
                Files.setPosixFilePermissions(taskDir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(Launcher.class.getName()).warning("task " + taskId + ": cannot close its directory: " + e);
        }
        if (releases != null) {
            releases.release(taskId, taskDir);
        }
    }

    /** Gives back the uids of ended tasks, off the caller's thread; null when tasks run as the agent. */
    private final UidReleases releases;

    /** Finishes giving back ended tasks' uids (for up to 10 s; what is left is reclaimed later). */
    void close() {
        if (releases != null) {
            releases.close();
        }
    }

    /**
     * The uid of its own task {@code t} runs as, which no other task shares, so its health check
     * can tell its own sockets from another's ({@link HealthProbe}); null when tasks run as the
     * agent or as a named user, where uids do not tell tasks apart.
     */
    Integer ownUid(TaskInfo t, Path taskDir) {
        return users == null || user != null || t.spec().user() != null ? null : TaskUsers.recorded(taskDir);
    }

    /** After an agent restart: the task keeps the uid it had. */
    void recovered(String taskId, Path taskDir) {
        if (users != null) {
            users.recover(taskId, taskDir);
        }
    }

    /**
     * Joins the cgroups named before "--" (failing if one cannot be joined), sets oom_score_adj to 0
     * and the task's umask (STEWARD_UMASK, then out of the environment), joins a new session keyring
     * (STEWARD_NEW_KEYRING, keyctl's path), and runs what follows.
     */
    static final String JOIN = "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift; done; shift; "
            + "if [ -n \"$STEWARD_NEW_KEYRING\" ]; then \"$STEWARD_NEW_KEYRING\" new_session >/dev/null || exit 125; fi; unset STEWARD_NEW_KEYRING; "
            + "{ echo 0 > /proc/self/oom_score_adj; } 2>/dev/null; [ -z \"$STEWARD_UMASK\" ] || umask \"$STEWARD_UMASK\"; unset STEWARD_UMASK; exec \"$@\"";

    /**
     * A command health check, as the task would run it: its user, its sandbox as the working
     * directory, its environment (never the agent's), stdin from /dev/null.
     */
    ProcessBuilder checkCommand(TaskInfo t, Path taskDir, List<String> command) throws IOException, LaunchFailure {
        return taskCommand(t, taskDir, command, "steward-check");
    }

    /**
     * A command run in the task as its check runs ({@link #checkCommand}); {@code name} is what the
     * shell that joins the task's groups calls itself in its errors ("steward-exec: exec: x: not found").
     */
    ProcessBuilder taskCommand(TaskInfo t, Path taskDir, List<String> command, String name) throws IOException, LaunchFailure {
        Path sandbox = taskDir.resolve("sandbox");
        List<String> argv = new ArrayList<>();
        if (TaskMounts.of(taskDir)) { // the task's own /tmp: its check runs in its mount namespace, the wrapper's
            TaskProcess p = TaskProcess.load(taskDir);
            if (p == null || !p.alive()) {
                throw new IOException("its process is not running, so its /tmp cannot be reached");
            }
            // and its IPC namespace: its own where it has one (task-private-ipc), else the machine's, where the agent already is
            argv.addAll(List.of("nsenter", "--target", Long.toString(p.pid()), "--mount", "--ipc", "--wd=" + sandbox, "--"));
        }
        // into the task's cgroups first, and back to the default oom_score_adj: a check is the task's own code, held to its
        // memory, cpu and process limits (else a check could take what its task may not)
        argv.addAll(List.of("/bin/sh", "-c", JOIN, name));
        cgroups.procs(t.id()).forEach(p -> argv.add(p.toString()));
        argv.add("--");
        if (users != null) {
            argv.addAll(users.setpriv(users.acquire(t.id(), taskDir, t.spec().user() != null ? t.spec().user() : user)));
        }
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(sandbox.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(environment(t, sandbox));
        pb.environment().put("STEWARD_SECRETS", taskDir.resolve(SECRETS).toString());
        if (users != null) {
            pb.environment().put("STEWARD_UMASK", users.umask());
            Path k = keyctl;
            if (k != null) { // a check is the task's own code: a keyring of its own too, never the agent's
                pb.environment().put("STEWARD_NEW_KEYRING", k.toString());
            }
        }
        return pb;
    }

    /** Removes the task's secret files, if any: when it ends, and before every start. */
    static void removeSecrets(Path taskDir) throws IOException {
        Path dir = taskDir.resolve(SECRETS);
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // 0500 while the task runs: an agent that is not root (so bound by modes) opens it again to empty it
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
        }
        Files.deleteIfExists(dir);
    }

    private static Map<String, String> environment(TaskInfo t, Path sandbox) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("PATH", TASK_PATH); // not the agent's own: a task (often another user) gets the system's, unless its spec sets PATH
        env.put("HOME", sandbox.toString());
        env.put("LANG", "C.UTF-8");
        env.put("STEWARD_TASK_ID", t.id());
        env.put("STEWARD_ALLOC_ID", t.allocationId());
        env.put("STEWARD_SANDBOX", sandbox.toString());
        if (t.ports() != null) {
            t.ports().forEach((name, port) -> env.put("PORT_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), port.toString()));
        }
        if (t.spec().env() != null) {
            env.putAll(t.spec().env());
        }
        return env;
    }

    /** The command's path: as given if it has a '/', else found on PATH; a missing or non-executable one fails the task. */
    static String resolve(String command, Path workdir, String path) throws LaunchFailure {
        if (command.contains("/")) {
            Path c = workdir.resolve(command).normalize();
            if (!Files.isRegularFile(c)) {
                throw new LaunchFailure("command '" + command + "' does not exist");
            }
            if (!Files.isExecutable(c)) {
                throw new LaunchFailure("command '" + command + "' is not executable");
            }
            return c.toString();
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            if (!dir.isEmpty()) {
                Path c = Path.of(dir, command);
                if (Files.isRegularFile(c) && Files.isExecutable(c)) {
                    return c.toString();
                }
            }
        }
        throw new LaunchFailure("command '" + command + "' not found on PATH (" + path + ")");
    }

    /** Gives the sandbox, and the package tree unpacked in it, to the task's user; symlinks are not followed. */
    private static void chown(Path dir, TaskUsers.User u) throws IOException {
        Object uid = Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (uid.equals(u.uid()) && !Files.exists(dir.resolve(dev.steward.api.PackageManifest.FILE_NAME))) {
            return;
        }
        try (var all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                owner(p, u);
            }
        }
    }
}
