package dev.steward.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.steward.api.AgentSignature;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskState;
import dev.steward.datadir.DataDirLock;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent: joins (or rejoins with its saved identity), re-attaches to the tasks an earlier run
 * left running, then heartbeats, watches its tasks with blocking queries and reconciles them.
 * All task state is touched by one loop thread; the watch, the heartbeat and the reporter's
 * answers post their work to it. Starts run on the launcher threads, several at once, and each
 * posts its task back to the loop when done (see {@link Supervisor}).
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName());
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final AgentConfig cfg;
    private final Clock clock;
    private final Path tasksDir;
    private final List<dev.steward.api.AgentRegistration.PortRange> lentPorts;
    private final Map<String, Supervisor> supervisors = new LinkedHashMap<>();
    /** Ended tasks' sandboxes marked for the collector, each end counted: {@link #stopTasks} waits for the next rather than polling. */
    private final EndMarks endMarks;
    /** Says when the disk becomes nearly full and when it has room again, as the heartbeats tell the allocator. Loop thread. */
    private final DiskPressureLog diskPressure;
    private final AgentMetrics metrics = new AgentMetrics();
    private final LaunchTimes launches = new LaunchTimes(metrics);
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(daemon("steward-agent-loop"));
    /**
     * Health probes of every task, each ended by its check's timeout (at most its interval); a task has one probe in flight at
     * most, so the queue is bounded by the tasks. {@link #PROBERS} threads at once, so tasks whose endpoints hang up to their
     * timeouts do not make the others' checks late; none while no probe runs (an idle agent keeps none).
     */
    private final java.util.concurrent.ThreadPoolExecutor probes = new java.util.concurrent.ThreadPoolExecutor(PROBERS, PROBERS, 30, TimeUnit.SECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(), daemon("steward-agent-probe"));
    static final int PROBERS = 8;

    {
        probes.allowCoreThreadTimeOut(true);
    }
    /** Measures sandboxes (du walks trees: never on the loop thread). */
    private final ScheduledExecutorService disk = Executors.newSingleThreadScheduledExecutor(daemon("steward-agent-disk"));
    private final DiskWatch diskWatch;
    private final ExecutorService fetchers = Executors.newFixedThreadPool(2, daemon("steward-agent-fetch"));
    /** Threads that start tasks at once (uid, cgroups, spawn, the RUNNING report's fsync), off the loop thread. */
    public static final int LAUNCHERS = 4;
    /** Starts waiting for a launcher thread, at most; past that a task waits for the next tick (see {@link Supervisor#launchOn}). */
    static final int LAUNCH_QUEUE = 256;
    private final ExecutorService launchers = new java.util.concurrent.ThreadPoolExecutor(LAUNCHERS, LAUNCHERS, 0, TimeUnit.MILLISECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(LAUNCH_QUEUE), daemon("steward-agent-launch"));
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(daemon("steward-agent-heartbeat"));
    private PackageCache packages;
    private Thread watcher;
    private volatile boolean closed;
    private Cgroups cgroups;
    private Launcher launcher;
    private Reporter reporter;
    private LogServer logs;
    private TaskExec execs;

    /** The log server (for tests: what its follows hold). */
    LogServer logServer() {
        return logs;
    }
    private AllocatorClient client;
    /** The usage the next heartbeat reports, refreshed on the loop thread: a busy loop delays the figures, never the beat (null: none measured yet, the allocator keeps what it had). */
    private volatile Map<String, Long> lastUsage;
    private volatile Identity identity;
    private String detected;
    /** The data directory, held from {@link #start} to {@link #close}. */
    private volatile DataDirLock lock;

    public Agent(AgentConfig cfg, Clock clock) {
        this.cfg = cfg;
        this.clock = clock;
        this.tasksDir = cfg.dataDir().resolve("tasks");
        this.endMarks = new EndMarks(tasksDir);
        this.diskPressure = new DiskPressureLog(tasksDir, cfg.diskPressureFree());
        this.lentPorts = dev.steward.api.AgentRegistration.PortRange.parseList("ports", cfg.ports());
        this.diskWatch = new DiskWatch(tasksDir, loop, supervisors, this::post, clock, cfg.taskMaxFiles());
    }

    /**
     * Holds the data directory ({@link DataDirLock}: a second agent on it is refused), joins,
     * recovers, and starts the loops. Returns once the agent is registered.
     */
    public Agent start() throws IOException {
        DataDirLock held = DataDirLock.acquire(cfg.dataDir(), "an agent");
        try {
            begin();
        } catch (IOException | RuntimeException e) {
            held.close();
            throw e;
        }
        lock = held;
        return this;
    }

    private void begin() throws IOException {
        Files.createDirectories(tasksDir);
        boolean root = "root".equals(System.getProperty("user.name"));
        TaskUsers users = root && (cfg.user() == null || !cfg.user().isBlank()) ? new TaskUsers(cfg.taskUids(), cfg.allowRootTasks())
                .noNewPrivileges(cfg.taskNoNewPrivileges()).umask(cfg.taskUmask()) : null;
        if (users != null) {
            TaskUsers.openPath(cfg.dataDir(), tasksDir);
        }
        if (root) {
            OomScore.protect(cfg.oomScoreAdj());
        }
        cgroups = Cgroups.detect(cfg.cgroupParent(), cfg.taskPidsMax());
        launcher = new Launcher(cfg.dataDir(), cgroups, users, cfg.user(), cfg.cpuQuota());
        launcher.times = launches;
        TaskMounts.configure(launcher, cfg, users != null);
        TaskKeyrings.configure(launcher, users != null);
        identity = Identity.load(cfg.dataDir());
        logs = new LogServer(bindAddress(cfg.bind()), tasksDir, () -> identity == null ? null : AgentSignature.tokenHash(identity.token()),
                cfg.tls(), cfg.tlsVerifyClients());
        execs = new TaskExec(launcher, this::runningTask).metrics(metrics);
        logs.execs(execs);
        logs.metrics(metrics, cfg.metricsOpen(), AgentSignature.tokenHash(PrivateFiles.token(cfg.dataDir().resolve("metrics.token"), "sta_metrics")));
        String advertise = cfg.advertise() != null ? cfg.advertise()
                : (logs.https() ? "https://" : "http://") + logs.address().getAddress().getHostAddress() + ":" + logs.address().getPort();
        Detector.Found found = Detector.detect(cfg, cgroups.kind(), advertise);
        detected = StartNotes.detected(found, cgroups, launcher);
        LOG.info(detected);
        if (cfg.tls() != null) { // its certificates' ends: warned of from a month before, and watched through the metrics
            certificates = dev.steward.tls.CertificateExpiry.watch(cfg.tls(), dev.steward.tls.CertificateExpiry.of(cfg.tls(), clock.instant(), LOG::warning));
            metrics.tls(certificates); // read again as the files change: a renewed certificate is used, and reported, without a restart
        }
        StartNotes.warn(cfg, cgroups, LOG::warning);
        Enrolment.Joined joined = Enrolment.join(identity, cfg.joinToken(), cfg.dataDir(), found.registration(), this::clientWith);
        identity = joined.identity();
        client = joined.client();
        packages = new PackageCache(cfg.dataDir().resolve("packages"), client, cfg.packageCacheBytes(), fetchers).metrics(metrics);
        reporter = new Reporter(client, identity.id(), tasksDir, t -> post(() -> reconcileOne(t)));
        reporter.times = launches;
        reporter.start();
        loop.submit(this::recover);
        loop.scheduleWithFixedDelay(Periodic.of("supervising tasks", this::tick), 100, 100, TimeUnit.MILLISECONDS);
        loop.scheduleWithFixedDelay(Periodic.of("rotating the tasks' logs", this::rotateLogs), 5, 5, TimeUnit.SECONDS);
        loop.scheduleWithFixedDelay(Periodic.of("collecting ended sandboxes", this::collectSandboxes), 5, 5, TimeUnit.SECONDS); // reads every ended sandbox's end time: not every second
        long check = cfg.diskCheckInterval().toMillis();
        disk.scheduleWithFixedDelay(Periodic.of("the disk check", diskWatch::measure), Math.min(check, 1000), check, TimeUnit.MILLISECONDS);
        // heartbeats wait on the network: on their own thread, so an unreachable allocator never stalls task supervision
        long every = cfg.heartbeatInterval().toMillis();
        loop.scheduleWithFixedDelay(Periodic.of("measuring usage", () -> lastUsage = usage()), 0, every, TimeUnit.MILLISECONDS);
        // heartbeats have their own client: each call bounded, so one hung call never silences the agent for long
        AllocatorClient beatClient = clientWith(identity.token(), Duration.ofMillis(Math.max(5000, 2 * every)), cfg.heartbeatInterval());
        beats.scheduleWithFixedDelay(new Heartbeats(beatClient, identity.id(), () -> lastUsage, lentPorts, metrics), 0, every, TimeUnit.MILLISECONDS);
        watcher = new Thread(new TaskWatch(client, identity.id(), launches, () -> closed, tasks -> post(() -> reconcile(tasks)),
                tasks -> post(() -> tasks.forEach(this::reconcileOne)))::run, "steward-agent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** When each stage of a task's launch on this agent ended (System.nanoTime), for the benchmarks; empty for a task it did not launch. */
    public Map<LaunchTimes.Stage, Long> launchTimes(String taskId) {
        return launches.of(taskId);
    }

    /** Commands running in tasks now ({@code steward exec}). */
    int commandsRunning() {
        return execs == null ? 0 : execs.running();
    }

    /** Package downloads made (cache misses) since start. */
    long packageDownloads() {
        return packages.downloads();
    }

    public String id() {
        return identity.id();
    }

    public String detected() {
        return detected;
    }

    public InetSocketAddress logAddress() {
        return logs.address();
    }

    /** A client of the allocator with {@code token}, verifying it against ca-cert and presenting tls-cert when it asks. */
    private AllocatorClient clientWith(String token) {
        return clientWith(token, Duration.ofMinutes(6), Duration.ofSeconds(30)); // reads wait above the longest blocking query (5m)
    }

    /** As above, each wait for the allocator's bytes bounded by {@code readTimeout}, retries by {@code retryBudget}. */
    private AllocatorClient clientWith(String token, Duration readTimeout, Duration retryBudget) {
        return new AllocatorClient(cfg.server(), token, cfg.tls(), cfg.allowPlainHttp(), readTimeout, retryBudget);
    }

    /** Re-attaches to tasks an earlier run started; ones that ended meanwhile are reported with their exit status. */
    private void recover() {
        Map<Path, TaskProcess> running = TaskProcess.wrappers(launcher.wrapper()); // for starts a crash cut short
        try (var dirs = Files.list(tasksDir)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                Path spec = d.resolve("task.json");
                if (!Files.exists(spec) || Files.exists(d.resolve("done"))) {
                    Launcher.removeSecrets(d); // a task that ended just before a crash
                    launcher.ended(d.getFileName().toString(), d);
                    continue;
                }
                TaskInfo t = JSON.readValue(spec.toFile(), TaskInfo.class);
                TaskProcess p = TaskProcess.load(d);
                if (p == null || !p.alive()) {
                    p = TaskProcess.unrecorded(t.id(), d, p, running);
                }
                launcher.recovered(t.id(), d);
                Supervisor s = (p != null ? Supervisor.attach(t, d, p, launcher, cgroups, reporter, probes, packages, clock.instant())
                        : new Supervisor(t, d, launcher, cgroups, reporter, probes, packages, clock.instant())).diskLimit(cfg.diskLimitMib(t.resources()))
                        .metrics(metrics);
                launchOn(s);
                supervisors.put(t.id(), s);
                LOG.info("recovered task " + t.id() + (p == null ? " (not started yet)" : p.alive() ? " running as pid " + p.pid() : " which exited meanwhile"));
            }
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "cannot recover tasks from " + tasksDir, e);
        }
    }

    /** Runs {@code r} on the loop thread; after close, drops it. */
    /** The task {@code id} if it runs on this agent now, found on the loop thread (for {@link TaskExec}); else a refusal that says why. */
    private CompletableFuture<TaskExec.Target> runningTask(String id) {
        try {
            return CompletableFuture.supplyAsync(() -> find(id), loop);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new TaskExec.Refused(503, "the agent is stopping"));
        }
    }

    private TaskExec.Target find(String id) {
        Supervisor s = supervisors.get(id);
        if (s == null) {
            throw new TaskExec.Refused(404, "no task " + id + " on this agent");
        }
        if (s.phase() != Supervisor.Phase.RUNNING) {
            throw new TaskExec.Refused(409, "task " + id + " is not running on this agent (it is " + s.phase().name().toLowerCase()
                    + "): a command runs only in a running task");
        }
        return new TaskExec.Target(s.task(), tasksDir.resolve(id));
    }

    private void post(Runnable r) {
        try {
            loop.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    /** Makes local tasks match the allocator's view: start new ones, stop those asked to stop or ended there. */
    private void reconcile(List<TaskInfo> tasks) {
        Set<String> known = new HashSet<>();
        for (TaskInfo t : tasks) {
            known.add(t.id());
            reconcileOne(t);
        }
        for (Supervisor s : supervisors.values()) {
            if (!known.contains(s.task().id())) {
                s.stop("the allocator no longer knows this task", clock.instant());
            }
        }
    }

    private void reconcileOne(TaskInfo t) {
        Supervisor s = supervisors.get(t.id());
        if (t.stopRequested() || t.state().terminal()) {
            if (s != null && !s.done()) {
                // the allocator's word is final: whatever runs here for a task it records as ended (a stale report, an
                // agent restarted past an exit) is stopped, never left to outlive its task; the stop is reported as usual
                String why = t.stopRequested() ? (t.reason() != null ? t.reason() : "stop requested")
                        : "the allocator records this task as " + t.state() + (t.reason() != null ? " (" + t.reason() + ")" : "");
                if (!t.stopRequested()) {
                    LOG.warning("task " + t.id() + " still runs here, but " + why + ": stopping it");
                }
                s.stop(why, clock.instant());
            } else if (s == null && t.state() == TaskState.PENDING) {
                stoppedBeforeStart(t);
            }
            return;
        }
        if (s == null && t.state() == TaskState.PENDING) {
            try {
                Path dir = tasksDir.resolve(t.id());
                Files.createDirectories(dir);
                PrivateFiles.write(dir.resolve("task.json"), JSON.writeValueAsBytes(t)); // it holds the task's secrets
                Supervisor sup = launchOn(new Supervisor(t, dir, launcher, cgroups, reporter, probes, packages, clock.instant()).metrics(metrics)
                        .times(launches).diskLimit(cfg.diskLimitMib(t.resources())));
                launches.stamp(t.id(), LaunchTimes.Stage.ACCEPTED);
                supervisors.put(t.id(), sup);
                sup.tick(clock.instant()); // start it now rather than on the next tick
            } catch (IOException e) {
                notPrepared(t, e);
            }
        }
    }

    /**
     * A task this agent cannot even prepare (its directory or record not written: a full disk,
     * most often) is reported FAILED as the host's fault, so its service replaces it after its
     * backoff instead of waiting for it. Before, it stayed PENDING for ever, and the agent logged
     * the same stack trace at every resync.
     */
    private void notPrepared(TaskInfo t, IOException e) {
        String free;
        try {
            free = "; " + dev.steward.api.Units.formatMibShort(DiskUsage.freeAndTotalMib(tasksDir)[0]) + " free on that disk";
        } catch (IOException unread) {
            free = "";
        }
        String why = "not started: this agent cannot write the task's directory in " + tasksDir + " (" + e + free + ")";
        Supervisor s = new Supervisor(t, tasksDir.resolve(t.id()), launcher, cgroups, reporter, probes, packages, clock.instant()).metrics(metrics);
        supervisors.put(t.id(), s);
        s.notStarted(why, clock.instant());
        tick(s, clock.instant()); // marked ended where it can be, for the sandbox collector
    }

    /**
     * A task asked to stop before this agent ever started it (made and stopped within moments: a
     * scale cut short, a drain called off, a rollout superseded) never will be started; it is
     * reported KILLED, so the allocator does not wait for it, and keep its allocation, for ever.
     * Before, nothing was reported: its instance stayed STOPPING and its allocation held its room.
     */
    private void stoppedBeforeStart(TaskInfo t) {
        Path dir = tasksDir.resolve(t.id());
        Supervisor s = new Supervisor(t, dir, launcher, cgroups, reporter, probes, packages, clock.instant()).metrics(metrics);
        supervisors.put(t.id(), s);
        s.stop("stopped before it started" + (t.reason() == null ? "" : ": " + t.reason()), clock.instant());
        tick(s, clock.instant()); // its directory is marked done, for the sandbox collector
    }

    /** Starts of {@code s} run on the launcher threads, and each wakes the loop for {@code s} when it ends. */
    private Supervisor launchOn(Supervisor s) {
        return s.launchOn(launchers, () -> post(() -> tick(s, clock.instant())));
    }

    private void tick() {
        Instant now = clock.instant();
        for (Supervisor s : List.copyOf(supervisors.values())) {
            tick(s, now);
        }
    }

    private void tick(Supervisor s, Instant now) {
        try {
            s.tick(now);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "task " + s.task().id() + ": " + e.getMessage(), e);
        }
        endMarks.mark(s, now);
    }

    /** Removes ended sandboxes past their retention, or sooner on a disk that runs low ({@link SandboxGc}); on the loop thread. */
    private void collectSandboxes() {
        SandboxGc.collect(tasksDir, cfg.sandboxRetention(), cfg.sandboxGcMinFree(), supervisors, clock.instant());
    }

    private void rotateLogs() {
        for (Supervisor s : supervisors.values()) {
            Path d = tasksDir.resolve(s.task().id());
            try {
                LogFiles.rotate(d, "stdout.log", cfg.logMaxBytes(), cfg.logKeep());
                LogFiles.rotate(d, "stderr.log", cfg.logMaxBytes(), cfg.logKeep());
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot rotate the logs of task " + s.task().id(), e);
            }
        }
    }

    /** When this agent's TLS certificates end, as their files say now; null without TLS. */
    private volatile java.util.function.Supplier<java.util.List<dev.steward.tls.CertificateExpiry>> certificates;

    /** What the heartbeat reports ({@link Usage}); on the loop thread, which owns the supervisors. */
    private Map<String, Long> usage() {
        Map<String, Long> u = Usage.of(supervisors.values(), cgroups, diskWatch.used(), tasksDir, cfg.diskPressureFree());
        if (certificates != null) { // when the first ends: so 'steward agents' says so, without a scrape of every agent
            certificates.get().stream().mapToLong(c -> c.notAfter().getEpochSecond()).min().ifPresent(end -> u.put(dev.steward.api.Heartbeat.TLS_NOT_AFTER, end));
        }
        diskPressure.observe(u);
        metrics.sample(new AgentMetrics.Sample(AgentMetrics.phases(supervisors.values()), u, packages == null ? 0 : packages.bytes()));
        return u;
    }

    /** For tests and benchmarks: the supervisor of a task, read on the loop thread. */
    public Long pidOf(String taskId) throws Exception {
        return loop.submit(() -> {
            Supervisor s = supervisors.get(taskId);
            return s == null || s.process() == null ? null : s.process().pid();
        }).get(10, TimeUnit.SECONDS);
    }

    /** True when every status report has reached the allocator. */
    public boolean reportsDelivered() {
        return reporter.drained();
    }

    private static InetSocketAddress bindAddress(String text) {
        int colon = text.lastIndexOf(':');
        return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Stops every task (SIGTERM, then SIGKILL after each one's kill timeout) and waits up to
     * {@code timeout} for them to end: for an embedded agent whose tasks must not outlive it
     * (a demo); a service agent leaves its tasks running when it stops.
     */
    public void stopTasks(Duration timeout) {
        TaskStops.all(loop, supervisors, endMarks, clock, timeout);
    }

    /** Stops the agent's threads; its tasks keep running (they belong to their allocations, not to this process). */
    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
        loop.shutdownNow();
        probes.shutdownNow();
        disk.shutdownNow();
        fetchers.shutdownNow();
        launchers.shutdownNow();
        beats.shutdownNow();
        if (launcher != null) {
            launcher.close(); // the uids of tasks that just ended: given back, or left to be reclaimed
        }
        if (reporter != null) {
            reporter.close();
        }
        if (logs != null) {
            logs.close();
        }
        if (execs != null) {
            execs.close();
        }
        if (lock != null) {
            lock.close(); // last: another agent may have the directory once nothing of this one writes to it
        }
    }
}
