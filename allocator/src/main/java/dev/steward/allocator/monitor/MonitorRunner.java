package dev.steward.allocator.monitor;

import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.http.BoundedFetch;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.Conflict;
import dev.steward.api.DeployResult;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import dev.steward.api.TaskInfo;
import dev.steward.api.ValidationException;
import dev.steward.api.Verdict;
import dev.steward.monitor.BoundedRegex;
import dev.steward.monitor.Evaluator;
import dev.steward.monitor.Gate;
import dev.steward.monitor.Judge;
import dev.steward.monitor.PromText;
import dev.steward.monitor.Snapshot;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Runs monitors: each interval, the service's live instances are read from the state, each is
 * scraped for Prometheus metrics (off the state's thread), the snapshot is judged, and the report
 * is written back as a command. A final verdict ends the monitor; a fail with
 * {@code rollbackOnFail} rolls the service back to its previous stable revision and says so.
 */
public final class MonitorRunner implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MonitorRunner.class.getName());
    private final Engine engine;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "steward-monitor");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).executor(BoundedFetch.pool("steward-monitor-http")).build();
    private final Map<String, ScheduledFuture<?>> running = new ConcurrentHashMap<>();
    /** The largest metrics page read from an instance (Prometheus pages are kilobytes; a few megabytes at most). */
    static final long MAX_METRICS_BYTES = 4L * 1024 * 1024;
    /** How long one tick may spend reading an instance's new log lines through its agent. */
    static final Duration LOG_BUDGET = Duration.ofSeconds(2);

    public MonitorRunner(Engine engine) {
        this.engine = engine;
    }

    /** What one tick reads of an instance: where its metrics are, its health, restarts, the agent's figures, where its logs are. */
    private record Target(String id, String url, boolean healthy, int restarts, Long memoryMib, long cpuMillis, String taskId,
                          dev.steward.allocator.http.AgentTarget logs) {
    }

    private final Map<String, Map<String, LogTail>> tails = new ConcurrentHashMap<>();

    /** Validates and starts a monitor of {@code service}; returns its first report. */
    public MonitorReport start(String service, MonitorSpec spec, String who) {
        List<Gate> gates = check(spec);
        MonitorReport first = engine.command((s, now) -> {
            var svc = s.services().record(service);
            if (svc.deletingSince() != null) {
                throw new Conflict("service " + service + " is being deleted (since " + svc.deletingSince() + "); there is nothing left to monitor");
            }
            String role = svc.role();
            long mine = s.monitors().runningCount(m -> role.equals(s.services().roleOf(m.service()))); // canary gates' count too: they scrape as much
            if (mine >= s.config().bounds().maxRunningMonitors()) {
                throw new Conflict("role '" + role + "' has " + mine + " monitors running, the most a role may run at "
                        + "once (each scrapes every instance of its service at its interval; the allocator's --max-monitors-per-role); "
                        + "stop one (steward monitor stop ID) or wait until one ends");
            }
            MonitorReport r = new MonitorReport(s.newId(), service, spec, true, null, "started by " + who, now, now.plus(spec.durationValue()), null,
                    List.of(), null, 0, 0);
            s.monitors().put(r);
            return s.monitors().get(r.id());
        }).join();
        schedule(first.id(), service, spec, new Judge(gates, spec.failureLimitValue()), 0, null);
        return first;
    }

    /** Validates a spec and parses its gates; bad input names the field. */
    public static List<Gate> check(MonitorSpec spec) {
        spec.validate();
        return gates(spec);
    }

    private static List<Gate> gates(MonitorSpec spec) {
        List<Gate> gates = new ArrayList<>();
        for (int i = 0; i < spec.gates().size(); i++) {
            gates.add(Gate.parse("gates[" + i + "]", spec.gates().get(i)));
        }
        return gates;
    }

    /** Runs the monitor whose record {@code id} the state already holds (a canary gate's); does not wait on the state. */
    public void attach(String id, String service, MonitorSpec spec) {
        schedule(id, service, spec, new Judge(gates(spec), spec.failureLimitValue()), spec.intervalValue().toMillis(), null);
    }

    /** Goes on with a monitor that was running when the allocator stopped; its judge starts from the evaluations in its record. */
    public void resume(MonitorReport r) {
        // its reason says it was resumed (and what it kept) for as long as it runs, not only until its first tick
        schedule(r.id(), r.service(), r.spec(), new Judge(gates(r.spec()), r.spec().failureLimitValue(), r.gates()), 0, r.reason());
    }

    /**
     * Ticks monitor {@code id} every interval, the first after {@code firstDelayMillis}, with
     * samples kept in memory; {@code note}, when given, leads its reason while it runs.
     */
    private void schedule(String id, String service, MonitorSpec spec, Judge judge, long firstDelayMillis, String note) {
        List<Snapshot> history = new ArrayList<>();
        running.put(id, timer.scheduleWithFixedDelay(() -> tick(id, service, spec, judge, history, note), firstDelayMillis,
                spec.intervalValue().toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Ends a running monitor whose own spec cannot be run (a pattern too costly): inconclusive, saying why. */
    private void end(String id, String why) {
        LOG.info("monitor " + id + " ends: " + why);
        stop(id, "the allocator: " + why);
        tails.remove(id);
    }

    /** Stops a running monitor: it ends inconclusive, saying who stopped it. */
    public MonitorReport stop(String id, String who) {
        ScheduledFuture<?> f = running.remove(id);
        if (f != null) {
            f.cancel(false);
        }
        return engine.command((s, now) -> {
            MonitorReport r = s.monitors().get(id);
            if (!r.running()) {
                return r;
            }
            s.monitors().put(new MonitorReport(r.id(), r.service(), r.spec(), false, Verdict.INCONCLUSIVE, "stopped by " + who, r.startedAt(), r.endsAt(),
                    now, dev.steward.monitor.Judge.stopped(r.gates(), "stopped by " + who), null, r.createIndex(), r.modifyIndex()));
            return s.monitors().get(id);
        }).join();
    }

    private void tick(String id, String service, MonitorSpec spec, Judge judge, List<Snapshot> history, String note) {
        try {
            Object[] read = engine.read(s -> s.services().recordOrNull(service) == null ? null
                    : new Object[] {targets(s, service, spec), s.services().record(service).instances()}).join();
            if (read == null) { // the service was deleted, and its reports with it
                cancel(id);
                return;
            }
            @SuppressWarnings("unchecked")
            List<Target> targets = (List<Target>) read[0];
            int expected = (Integer) read[1];
            Map<String, Snapshot.Instance> seen = new LinkedHashMap<>();
            Map<String, LogTail> mine = tails.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
            Pattern logPattern = Pattern.compile(or(spec.logPattern(), "ERROR|Exception"));
            // every instance is read at once, each read bounded in time and size: a tick lasts about its slowest read's bound,
            // whatever the instances number and whatever they (or their agents) send
            long logsBy = System.nanoTime() + LOG_BUDGET.toNanos();
            List<CompletableFuture<List<dev.steward.monitor.Sample>>> scrapes = new ArrayList<>();
            List<CompletableFuture<Long>> logs = new ArrayList<>();
            for (Target t : targets) {
                scrapes.add(scrape(t.url(), spec.intervalValue()));
                logs.add(t.logs() == null || t.taskId() == null ? CompletableFuture.completedFuture(-1L)
                        : mine.computeIfAbsent(t.id(), k -> new LogTail(t.taskId(), logPattern)).poll(http, t.logs(), logsBy));
            }
            for (int k = 0; k < targets.size(); k++) {
                Target t = targets.get(k);
                seen.put(t.id(), new Snapshot.Instance(scrapes.get(k).join(), t.healthy(), t.restarts(), t.memoryMib(), logs.get(k).join(), t.cpuMillis()));
            }
            for (LogTail tail : mine.values()) {
                if (tail.costly() != null) { // the tenant's pattern, on its own log, would hold a thread every monitor shares: it ends here
                    end(id, tail.costly());
                    return;
                }
            }
            Instant now = Instant.now();
            history.add(new Snapshot(now, seen));
            // only the window's samples (and the one before it, for rates) are ever measured: the rest goes, so a tick costs the same at any age
            Instant keepFrom = now.minus(spec.windowValue()).minus(spec.intervalValue().multipliedBy(2));
            while (history.size() > 2 && history.get(1).at().isBefore(keepFrom)) {
                history.remove(0);
            }
            MonitorReport current = engine.read(s -> s.monitors().getOrNull(id)).join();
            if (current == null || !current.running()) {
                cancel(id);
                return;
            }
            Evaluator e = new Evaluator(new Evaluator.MetricNames(or(spec.requestsMetric(), "http_requests_total"), or(spec.statusLabel(), "status"),
                    Pattern.compile(or(spec.errorStatus(), "5..")), or(spec.latencyMetric(), "http_request_duration_seconds"), expected));
            try {
                judge.evaluate(e, history, now, spec.windowValue());
            } catch (BoundedRegex.TooCostly tc) {
                end(id, tc.getMessage());
                return;
            }
            boolean finished = !now.isBefore(current.endsAt());
            Verdict v = judge.verdict(finished);
            String reason = judge.reason(finished);
            boolean[] ended = {false};
            engine.command((s, at) -> {
                MonitorReport r = s.monitors().getOrNull(id);
                if (r == null || !r.running()) { // stopped, or its service deleted, while this tick measured: what ended it stands
                    ended[0] = true;
                    return null;
                }
                String rolledBack = null;
                if (v == Verdict.FAIL && Boolean.TRUE.equals(spec.rollbackOnFail())) {
                    rolledBack = rollBack(s, service, reason, at);
                }
                String why = v != null ? reason : (note == null ? "" : note + "; ") + "running: " + reason;
                s.monitors().put(new MonitorReport(r.id(), r.service(), r.spec(), v == null, v, why, r.startedAt(),
                        r.endsAt(), v == null ? null : at, judge.reports(finished), rolledBack, r.createIndex(), r.modifyIndex()));
                List<GateReport.Point> latest = judge.latest();
                for (int i = 0; i < latest.size(); i++) {
                    if (latest.get(i) != null) {
                        s.monitors().append(id, i, latest.get(i)); // one row per gate: the summary above is small, the history is appended
                    }
                }
                return null;
            }).join();
            if (v != null || ended[0]) {
                cancel(id);
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "monitor " + id + " tick failed", ex);
        }
    }

    private static String rollBack(ClusterState s, String service, String why, Instant now) {
        var svc = s.services().record(service);
        Integer previous = s.services().revisionsOf(service).stream().filter(r -> r.stable() && r.number() != svc.revision())
                .map(r -> r.number()).findFirst().orElse(null);
        if (previous == null) {
            return "not rolled back: " + service + " has no earlier stable revision";
        }
        DeployResult r = s.services().rollback(service, previous, "monitor (" + why + ")", now);
        return "rolled back to revision " + previous + " (deployment " + r.deployment().id() + ")";
    }

    private void cancel(String id) {
        tails.remove(id);
        ScheduledFuture<?> f = running.remove(id);
        if (f != null) {
            f.cancel(false);
        }
    }

    private static List<Target> targets(ClusterState s, String service, MonitorSpec spec) {
        List<Target> out = new ArrayList<>();
        for (InstanceInfo i : s.services().instancesOf(service)) {
            if (i.state().terminal() || i.stopRequested() || i.host() == null || i.ports() == null || i.ports().isEmpty()) {
                continue;
            }
            String portName = spec.metricsPort() != null ? spec.metricsPort() : i.ports().keySet().iterator().next();
            Integer port = i.ports().get(portName);
            if (port == null) {
                throw new ValidationException("metricsPort", "'" + portName + "' is not a port of " + service + " " + i.ports().keySet());
            }
            TaskInfo t = i.taskId() == null ? null : s.tasks().getOrNull(i.taskId());
            Map<String, Long> usage = i.agentId() == null || s.agentOrNull(i.agentId()) == null ? Map.of() : s.agentOrNull(i.agentId()).usage();
            Long mem = usage == null || i.taskId() == null ? null : usage.get("mem:" + i.taskId());
            Long cpu = usage == null || i.taskId() == null ? null : usage.get("cpu:" + i.taskId());
            dev.steward.allocator.http.AgentTarget logs = null;
            try {
                logs = i.agentId() == null ? null : dev.steward.allocator.http.AgentTarget.of(s, i.agentId());
            } catch (RuntimeException e) {
                // no log server to read: log gates have no data for this instance
            }
            out.add(new Target(i.id(), "http://" + i.host() + ":" + port + or(spec.metricsPath(), "/metrics"), i.state() == InstanceState.HEALTHY,
                    t == null ? 0 : t.restarts(), mem, cpu == null ? -1 : cpu, i.taskId(), logs));
        }
        return out;
    }

    /**
     * An instance's metrics, read within the interval (at most 2 s) and {@link #MAX_METRICS_BYTES}:
     * null (no data from this instance this time, never a pass) when it cannot be read, answers
     * other than 200, or answers too slowly or too much. The instance is the tenant's program, so
     * nothing it sends may hold the allocator's monitors or fill its memory.
     */
    private CompletableFuture<List<dev.steward.monitor.Sample>> scrape(String url, Duration interval) {
        try {
            Duration timeout = interval.compareTo(Duration.ofSeconds(2)) < 0 ? interval : Duration.ofSeconds(2);
            return BoundedFetch.send(http, HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(), MAX_METRICS_BYTES, timeout)
                    .thenApply(r -> r.statusCode() != 200 ? null : PromText.parse(new String(r.body(), StandardCharsets.UTF_8)).samples())
                    .exceptionally(e -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
    }

    private static String or(String v, String d) {
        return v == null || v.isBlank() ? d : v;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
