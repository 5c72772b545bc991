package dev.steward.agent;

import dev.steward.api.Units;
import dev.steward.api.ValidationException;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The agent's configuration: a properties file (docs/agent.md lists every key), overridden
 * by {@code --key value} flags. Defaults are sane for one machine.
 */
public record AgentConfig(String server, String joinToken, Path dataDir, String name, String bind, String advertise, long reserveCpuMillis,
                          long reserveMemoryMib, String ports, Map<String, String> attributes, String user, Duration heartbeatInterval,
                          long logMaxBytes, int logKeep, String cgroupParent, long packageCacheBytes, boolean cpuQuota,
                          Duration sandboxRetention, String taskUids, boolean allowRootTasks, String sandboxGcMinFree, Duration diskCheckInterval,
                          long defaultTaskDiskMib, dev.steward.tls.TlsFiles tls, boolean tlsVerifyClients, boolean allowPlainHttp,
                          boolean metricsOpen, long taskPidsMax, boolean taskNoNewPrivileges, int oomScoreAdj, int taskUmask,
                          boolean taskPrivateTmp, boolean taskHideProcesses, boolean taskPrivateIpc, long taskMaxFiles, String diskPressureFree) {

    /** The disk a task may fill: what its allocation asked for, else {@code default-task-disk} (0: no limit). */
    public long diskLimitMib(dev.steward.api.Resources r) {
        return r != null && r.diskMib() > 0 ? r.diskMib() : defaultTaskDiskMib;
    }

    public static final String DEFAULT_PORTS = "20000-32000";

    /** Reads {@code file} (may be null) then applies {@code overrides}; a bad value names its key. */
    public static AgentConfig load(Path file, Map<String, String> overrides) throws IOException {
        Properties p = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        }
        overrides.forEach(p::setProperty);
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("attribute.")) {
                attrs.put(k.substring("attribute.".length()), p.getProperty(k));
            }
        }
        String server = p.getProperty("server", "http://127.0.0.1:4646");
        String joinToken = p.getProperty("join-token", System.getenv("STEWARD_JOIN_TOKEN"));
        if (joinToken != null && joinToken.isBlank()) {
            joinToken = null; // STEWARD_JOIN_TOKEN="" (from an empty $(cat ...)) is no token, said as such
        }
        String tokenFile = p.getProperty("join-token-file");
        if (tokenFile != null) { // the token itself stays off the command line, where every user of the machine could read it
            if (p.getProperty("join-token") != null) {
                throw new ValidationException("join-token-file", "give join-token or join-token-file, not both");
            }
            joinToken = joinTokenFile(Path.of(tokenFile));
        }
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        // as root, tasks run as other users who must pass through every directory above their sandboxes: not root's 0700 home
        Path data = Path.of(p.getProperty("data", asRoot ? "/var/lib/steward/agent" : System.getProperty("user.home") + "/.steward/agent"))
                .toAbsolutePath().normalize();
        String name = p.getProperty("name", Detector.hostname());
        String bind = p.getProperty("bind", "127.0.0.1:0");
        String advertise = p.getProperty("advertise");
        long resCpu = Units.cpuMillis("reserve-cpus", p.getProperty("reserve-cpus", "0"));
        long resMem = Units.mebibytes("reserve-memory", p.getProperty("reserve-memory", "0"));
        String ports = p.getProperty("ports", DEFAULT_PORTS);
        boolean root = "root".equals(System.getProperty("user.name"));
        String user = p.getProperty("user"); // unset: as root, a uid per task; "": as the agent; a name: every task as that user
        Duration hb = Units.duration("heartbeat-interval", p.getProperty("heartbeat-interval", "2s"));
        long logMax = Units.mebibytes("log-max-size", p.getProperty("log-max-size", "10m")) * 1024 * 1024;
        int keep = Integer.parseInt(p.getProperty("log-keep", "3"));
        String cg = p.getProperty("cgroup-parent", "steward");
        long cache = Units.mebibytes("package-cache-size", p.getProperty("package-cache-size", "10g")) * 1024 * 1024;
        String quota = p.getProperty("cpu-quota", "on").trim().toLowerCase(java.util.Locale.ROOT);
        if (!quota.equals("on") && !quota.equals("off")) {
            throw new ValidationException("cpu-quota", "'" + quota + "' is not on or off");
        }
        Duration retention = Units.duration("sandbox-retention", p.getProperty("sandbox-retention", "1h"));
        String minFree = p.getProperty("sandbox-gc-min-free", "10%");
        DiskUsage.minFreeMib("sandbox-gc-min-free", minFree, 1024); // checked now, applied to the file system's size when it is used
        String pressureFree = p.getProperty("disk-pressure-free", "1%");
        DiskUsage.minFreeMib("disk-pressure-free", pressureFree, 1024); // checked now, applied to the file system's size when it is used
        Duration diskCheck = Units.duration("disk-check-interval", p.getProperty("disk-check-interval", "10s"));
        if (diskCheck.toMillis() < 100) {
            throw new ValidationException("disk-check-interval", "is " + Units.format(diskCheck) + ", below the minimum of 100ms");
        }
        long defaultDisk = Units.mebibytes("default-task-disk", p.getProperty("default-task-disk", "1g"));
        String ca = p.getProperty("ca-cert", System.getenv("STEWARD_CACERT"));
        String tlsCert = p.getProperty("tls-cert");
        String tlsKey = p.getProperty("tls-key");
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ValidationException(tlsCert == null ? "tls-cert" : "tls-key", "is needed too: tls-cert and tls-key go together");
        }
        dev.steward.tls.TlsFiles tls = ca == null && tlsCert == null ? null
                : new dev.steward.tls.TlsFiles(ca == null ? null : Path.of(ca), tlsCert == null ? null : Path.of(tlsCert), tlsKey == null ? null : Path.of(tlsKey));
        boolean verifyClients = onOff(p, "tls-verify-clients", "off");
        if (verifyClients && (tls == null || !tls.hasIdentity() || tls.caCert() == null)) {
            throw new ValidationException("tls-verify-clients", "needs tls-cert, tls-key and ca-cert");
        }
        boolean plain = onOff(p, "allow-plain-http", "off");
        String metrics = p.getProperty("metrics", "token").trim().toLowerCase(java.util.Locale.ROOT);
        if (!metrics.equals("token") && !metrics.equals("open")) {
            throw new ValidationException("metrics", "'" + metrics + "' is not token or open");
        }
        long pidsMax = pidsMax(p.getProperty("task-pids-max", Long.toString(DEFAULT_TASK_PIDS_MAX)));
        String uids = p.getProperty("task-uids", TaskUsers.DEFAULT_RANGE);
        try {
            new TaskUsers(uids, false);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("task-uids", e.getMessage().substring("task-uids: ".length()));
        }
        boolean allowRoot = onOff(p, "allow-root-tasks", "off");
        if (!root && user != null && !user.isBlank()) {
            throw new ValidationException("user", "tasks can run as '" + user + "' only when the agent runs as root");
        }
        for (String k : p.stringPropertyNames()) {
            if (!k.startsWith("attribute.") && !KNOWN.containsKey(k)) {
                throw new ValidationException(k, "is not a configuration key; known keys: " + String.join(", ", KNOWN.keySet()) + ", attribute.NAME");
            }
        }
        return new AgentConfig(server, joinToken, data, name, bind, advertise, resCpu, resMem, ports, Map.copyOf(attrs), user, hb, logMax, keep, cg, cache, quota.equals("on"),
                retention, uids, allowRoot, minFree, diskCheck, defaultDisk, tls, verifyClients, plain,
                metrics.equals("open"), pidsMax, onOff(p, "task-no-new-privileges", "on"), oomScoreAdj(p.getProperty("oom-score-adj", "-900")),
                umask(p.getProperty("task-umask", String.format("%04o", TaskUsers.DEFAULT_UMASK))), onOff(p, "task-private-tmp", "on"),
                onOff(p, "task-hide-processes", "on"), onOff(p, "task-private-ipc", "on"), maxFiles(p.getProperty("task-max-files",
                Long.toString(DEFAULT_TASK_MAX_FILES))), pressureFree);
    }

    /** The first line of {@code file}, the cluster's join token (the allocator's data directory holds it as join.token). */
    private static String joinTokenFile(Path file) {
        try {
            String t = Files.readString(file).lines().findFirst().orElse("").trim();
            if (t.isEmpty()) {
                throw new ValidationException("join-token-file", file + " is empty; it should hold the cluster's join token (the allocator's "
                        + "data directory holds it as join.token)");
            }
            return t;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ValidationException("join-token-file", "cannot read " + file + ": there is no such file (the allocator's data directory "
                    + "holds the token as join.token)");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ValidationException("join-token-file", "cannot read " + file + ": permission denied");
        } catch (java.io.IOException e) {
            throw new ValidationException("join-token-file", "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** An octal file mode creation mask, 0000 to 0777 (leading zeros optional). */
    private static int umask(String value) {
        String v = value.trim();
        if (!v.matches("[0-7]{1,4}") || Integer.parseInt(v, 8) > 0777) {
            throw new ValidationException("task-umask", "'" + value + "' is not an octal umask from 0000 to 0777 (such as 0077 or 0027)");
        }
        return Integer.parseInt(v, 8);
    }

    private static int oomScoreAdj(String value) {
        long n = whole("oom-score-adj", value, "a whole number from -1000 to 1000");
        if (n < -1000 || n > 1000) {
            throw new ValidationException("oom-score-adj", "is " + n + ", outside -1000 to 1000");
        }
        return (int) n;
    }

    /** {@code value} as a whole number; else a refusal naming {@code key} and saying what it must be. */
    private static long whole(String key, String value, String mustBe) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException(key, "'" + value + "' is not " + mustBe);
        }
    }

    /** Files and directories one allocation's running tasks may hold unless {@code task-max-files} says otherwise. */
    public static final long DEFAULT_TASK_MAX_FILES = 1_000_000;

    private static long maxFiles(String value) {
        long n = whole("task-max-files", value, "a whole number of files (0: no limit)");
        if (n < 0) {
            throw new ValidationException("task-max-files", "is " + n + "; it must be 0 (no limit) or more");
        }
        return n;
    }

    /** Processes (threads included) one allocation's tasks may have at once unless {@code task-pids-max} says otherwise. */
    public static final long DEFAULT_TASK_PIDS_MAX = 4096;
    /** Below this a task could not even start: the wrapper shell, the command and a child of it. */
    static final long MIN_TASK_PIDS_MAX = 8;
    /** The largest pid_max a Linux kernel takes: a limit above it would never be reached. */
    static final long MAX_TASK_PIDS_MAX = 4_194_304;

    private static long pidsMax(String value) {
        long n = whole("task-pids-max", value, "a whole number of processes (0: no limit)");
        if (n != 0 && n < MIN_TASK_PIDS_MAX) {
            throw new ValidationException("task-pids-max", "is " + n + ", below the minimum of " + MIN_TASK_PIDS_MAX + " (0: no limit)");
        }
        if (n > MAX_TASK_PIDS_MAX || n < 0) {
            throw new ValidationException("task-pids-max", "is " + n + ", outside 0 to " + MAX_TASK_PIDS_MAX);
        }
        return n;
    }

    private static boolean onOff(Properties p, String key, String dflt) {
        String v = p.getProperty(key, dflt).trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("on") && !v.equals("off")) {
            throw new ValidationException(key, "'" + v + "' is not on or off");
        }
        return v.equals("on");
    }

    /** Every key, with what it means; docs/agent.md is written from this list. */
    static final Map<String, String> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("server", "allocator address, or several separated by commas for allocators on ZooKeeper (default http://127.0.0.1:4646)");
        KNOWN.put("join-token", "cluster join token, used once at first start (or STEWARD_JOIN_TOKEN); on the command line every user of the "
                + "machine can read it: prefer join-token-file");
        KNOWN.put("join-token-file", "a file holding the cluster join token (the allocator's data directory's join.token, copied here 0600)");
        KNOWN.put("data", "data directory: identity, task sandboxes, logs (default /var/lib/steward/agent as root, else ~/.steward/agent)");
        KNOWN.put("name", "agent name, unique in the cluster (default the hostname)");
        KNOWN.put("bind", "HOST:PORT of the agent's log server (default 127.0.0.1:0)");
        KNOWN.put("advertise", "address the allocator reaches the log server at (default http://BIND)");
        KNOWN.put("reserve-cpus", "cpus kept for the system, not lent (default 0)");
        KNOWN.put("reserve-memory", "memory kept for the system, not lent (default 0)");
        KNOWN.put("ports", "port ranges lent to tasks (default 20000-32000)");
        KNOWN.put("user", "unset (the default): as root, each task runs as a uid of its own from task-uids; empty: tasks run as the agent; "
                + "a name: every task runs as that user (tasks can then reach each other's files)");
        KNOWN.put("task-uids", "the uids (each with the gid of the same number) given one per task when the agent runs as root (default "
                + TaskUsers.DEFAULT_RANGE + ")");
        KNOWN.put("allow-root-tasks", "on: a task whose role may name root runs as root; off: such a task fails (default off)");
        KNOWN.put("metrics", "who may read GET /metrics on the agent's port: token (the token in DATA/metrics.token) or open (default token)");
        KNOWN.put("heartbeat-interval", "how often to heartbeat (default 2s; keep it well under the allocator's grace)");
        KNOWN.put("log-max-size", "rotate a task's stdout or stderr past this size (default 10m)");
        KNOWN.put("log-keep", "rotated files kept per stream (default 3)");
        KNOWN.put("cgroup-parent", "cgroup under which task groups are made (default steward)");
        KNOWN.put("task-pids-max", "the most processes, threads included, one allocation's tasks may have at once, and each task alone "
                + "(cgroup pids.max): a fork bomb fails its own forks instead of taking every pid of the machine; 0: no limit (default "
                + DEFAULT_TASK_PIDS_MAX + ")");
        KNOWN.put("task-no-new-privileges", "on: tasks run with no_new_privs, so a setuid-root program (su, passwd, ...) runs as the task's own "
                + "uid and file capabilities are not granted; off: they work as for a login of that user (default on; as root only)");
        KNOWN.put("task-umask", "the umask tasks start with, octal 0000 to 0777: 0077 keeps what a task creates (in /tmp too) from every "
                + "other tenant's task; 0022 lets them read it (default 0077; with a uid per task, as root only)");
        KNOWN.put("task-private-tmp", "on: each task sees a /tmp and /var/tmp of its own (its task directory's tmp, counted in its disk), in "
                + "a mount namespace of its own, as systemd's PrivateTmp=; off: the machine's, shared (default on; with a uid per task, as root "
                + "only, and where the data directory is not under /tmp)");
        KNOWN.put("task-hide-processes", "on: each task's /proc shows its own processes and no other user's (hidepid=invisible), so other "
                + "tasks' command lines are hidden from it, as systemd's ProtectProc=invisible; off: every process shows (default on; with "
                + "task-private-tmp, on Linux 5.8 or later)");
        KNOWN.put("task-private-ipc", "on: each task has an IPC namespace of its own (System V shared memory, semaphores and message queues, "
                + "POSIX message queues) and a /dev/shm of its own, a tmpfs of at most its memory, as Nomad's exec driver and Mesos give a task; "
                + "off: the machine's, shared (default on; with task-private-tmp)");
        KNOWN.put("task-max-files", "the most files and directories one allocation's running tasks may hold in their sandboxes and own /tmp "
                + "together, checked with the disk every disk-check-interval: past it the task holding the most is stopped, failed with \"file "
                + "limit exceeded\" (empty files take no disk but each takes an inode, and inodes run out for every task and the agent); 0: no "
                + "limit (default " + DEFAULT_TASK_MAX_FILES + ")");
        KNOWN.put("oom-score-adj", "the agent's own oom_score_adj, -1000 to 1000: when the machine runs out of memory the kernel kills "
                + "tasks (which run at 0) before the agent and their wrappers (default -900; as root only)");
        KNOWN.put("cpu-quota", "on: a task's cpus are a hard CFS quota; off: only its placement counts them (default on)");
        KNOWN.put("sandbox-retention", "how long a finished task's sandbox (its files and logs) is kept before it is removed (default 1h)");
        KNOWN.put("disk-pressure-free", "free space below which, on the data directory's file system, the agent tells the allocator its "
                + "disk is nearly full: nothing new is placed on it until there is more (its tasks run on); N% or a size; 0 for never (default 1%)");
        KNOWN.put("sandbox-gc-min-free", "free space the agent keeps on its data directory's file system: below it, ended sandboxes are "
                + "removed before their retention, the longest ended first (N% or a size; default 10%)");
        KNOWN.put("disk-check-interval", "how often each running task's sandbox is measured; one past its allocation's disk is stopped, FAILED "
                + "with \"disk limit exceeded\" (default 10s)");
        KNOWN.put("default-task-disk", "the disk a task may fill when its allocation asks for none: checked like an asked-for disk, and "
                + "the most its package may expand to (default 1g; 0: no limit)");
        KNOWN.put("ca-cert", "the cluster's CA certificate (PEM): the allocator's HTTPS certificate is checked against it (or STEWARD_CACERT)");
        KNOWN.put("tls-cert", "this agent's certificate (PEM, from steward tls cert create --agent): its log server serves HTTPS with it, and it "
                + "is presented to an allocator that asks for client certificates");
        KNOWN.put("tls-key", "the key of tls-cert (PEM, PKCS#8)");
        KNOWN.put("tls-verify-clients", "on: the log server accepts only callers with a certificate from ca-cert (the allocator's) (default off)");
        KNOWN.put("allow-plain-http", "on: send the agent's token to a non-loopback allocator over plain HTTP (default off: refused)");
        KNOWN.put("package-cache-size", "packages kept in DATA/packages, least recently used evicted first (default 10g)");
    }
}
