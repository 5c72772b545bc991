package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * What a task's mount namespace gives it. Its own {@code /tmp} and {@code /var/tmp}, as systemd's {@code PrivateTmp=}: the
 * wrapper starts in a mount namespace of its own ({@code unshare --mount}, every mount private,
 * so nothing it mounts reaches the machine) and binds the task directory's {@code tmp} and
 * {@code var-tmp} over them before it runs the command. What a task writes there no other task sees, whatever its
 * mode, and it counts against the task's disk ({@link DiskWatch}) and goes with its directory.
 *
 * <p>The directories bound are {@code DATA/tasks/TASK/tmp} and {@code var-tmp}, not ones in the
 * sandbox: the task directory is root's (0711), so the task cannot swap them for links to places
 * it could not reach and have root bind those instead. The wrapper binds as root, before the
 * command drops to the task's uid; a bind that fails fails the task (exit 125 with the reason),
 * never starts it on the shared {@code /tmp}.
 *
 * <p>And a {@code /proc} of its own mounted with {@code hidepid=invisible}
 * ({@code task-hide-processes}), as systemd's {@code ProtectProc=invisible}: the task sees its
 * own processes and no other user's, so other tasks' command lines and pids are hidden from it
 * (root's wrapper, and the agent outside, see all). Since Linux 5.8 each proc mount has options
 * of its own; on an older kernel the mount would change the machine's {@code /proc} too, so it is
 * not made there ({@link #hidepidUnavailable}).
 *
 * <p>And an IPC namespace of its own ({@code task-private-ipc}; {@code unshare --ipc}): its System V
 * shared memory, semaphores and message queues and its POSIX message queues are its own, and
 * the wrapper mounts a tmpfs of at most the task's memory over {@code /dev/shm} and the
 * namespace's {@code mqueue} over {@code /dev/mqueue}, as Nomad's exec driver ({@code ipc_mode =
 * "private"}, its default) and Mesos ({@code IpcMode.PRIVATE}: an IPC namespace and a
 * {@code /dev/shm} of its own) give a task. No other task can see or squat a name there, and what
 * it holds there is memory charged to its cgroup and gone with its last process.
 *
 * <p>It needs root (as the uid per task does) and mount namespaces; {@link #unavailable} says
 * why not where they are missing. An agent whose data directory is under {@code /tmp} cannot
 * give it: the bind would hide the task's own directory from it.
 */
final class TaskMounts {
    static final String DIR = "tmp";
    /** What the task sees as /var/tmp: a directory of its own too, so /tmp/x and /var/tmp/x stay two files, as on the machine. */
    static final String VAR_DIR = "var-tmp";
    private static final List<Path> SHARED = List.of(Path.of("/tmp"), Path.of("/var/tmp"));

    private TaskMounts() {
    }

    /**
     * Sets what {@code launcher} gives tasks of their own, as {@code cfg} asks and this machine
     * allows ({@code perTaskUsers}: tasks run as uids of their own, which needs root), and says in
     * the agent's log what it cannot give and why.
     */
    static void configure(Launcher launcher, AgentConfig cfg, boolean perTaskUsers) {
        if (!perTaskUsers) {
            return; // tasks run as the agent (not root, or user set empty): nothing of their own to give
        }
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(Agent.class.getName());
        String why = cfg.taskPrivateTmp() ? unavailable(cfg.dataDir()) : null;
        launcher.privateTmp = cfg.taskPrivateTmp() && why == null;
        if (why != null) {
            log.warning("tasks share the machine's /tmp and /var/tmp (task-private-tmp is on, but " + why + ")");
        }
        String noNamespace = launcher.privateTmp ? null // what the /proc and IPC of their own need, and why they lack it
                : "they have no mount namespace of their own (task-private-tmp " + (why == null ? "is off)" : "is on, but " + why + ")");
        String hide = noNamespace != null ? noNamespace : hidepidUnavailable(System.getProperty("os.version"));
        launcher.hideProcesses = cfg.taskHideProcesses() && hide == null;
        if (cfg.taskHideProcesses() && hide != null) {
            log.warning("tasks see every process on the machine (task-hide-processes is on, but " + hide + ")");
        }
        String ipc = noNamespace != null ? noNamespace : cfg.taskPrivateIpc() ? ipcUnavailable() : null;
        launcher.privateIpc = cfg.taskPrivateIpc() && ipc == null;
        if (cfg.taskPrivateIpc() && ipc != null) {
            log.warning("tasks share the machine's /dev/shm and System V IPC (task-private-ipc is on, but " + ipc + ")");
        }
    }

    /** Why tasks of an agent with data in {@code dataDir} cannot have a private /tmp here, or null when they can. */
    static String unavailable(Path dataDir) {
        Path d;
        try {
            d = dataDir.toRealPath();
        } catch (IOException e) {
            d = dataDir.toAbsolutePath().normalize();
        }
        for (Path shared : SHARED) {
            if (d.startsWith(shared)) {
                return "the data directory " + d + " is under " + shared + ", which a task's own would hide from it";
            }
        }
        return ShortCommand.failure(List.of("unshare", "--mount", "--propagation", "private", "true"), "unshare --mount (util-linux)");
    }

    /** Why tasks cannot have an IPC namespace of their own here ({@code unshare --ipc} fails), or null when they can. */
    static String ipcUnavailable() {
        return ShortCommand.failure(List.of("unshare", "--mount", "--ipc", "--propagation", "private", "true"), "unshare --ipc (util-linux)");
    }

    /** Why a task's own /proc cannot hide other users' processes on a kernel of {@code osVersion} ("6.1.0-13-amd64"), or null when it can. */
    static String hidepidUnavailable(String osVersion) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(osVersion == null ? "" : osVersion);
        if (!m.find()) {
            return "the kernel's version '" + osVersion + "' cannot be read";
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 5 || major == 5 && minor >= 8 ? null
                : "Linux " + major + "." + minor + " shares one set of proc options per pid namespace (5.8 gave each mount its own): hiding there would hide the machine's";
    }

    /**
     * The task's own tmp and var-tmp in {@code taskDir}, made 0700 for {@code u} where they are
     * not there; directories already there (an earlier start's) are kept with what they hold,
     * as the sandbox is. Returns them, /tmp's first.
     */
    static List<Path> make(Path taskDir, TaskUsers.User u) throws IOException {
        List<Path> out = List.of(taskDir.resolve(DIR), taskDir.resolve(VAR_DIR));
        for (Path d : out) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                if (u != null) {
                    Files.setAttribute(d, "unix:uid", u.uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(d, "unix:gid", u.gid(), LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
        return out;
    }

    /** Whether the task of {@code taskDir} was started with a private tmp (its commands run in the namespace of its wrapper). */
    static boolean of(Path taskDir) {
        return Files.isDirectory(taskDir.resolve(DIR), LinkOption.NOFOLLOW_LINKS);
    }
}
