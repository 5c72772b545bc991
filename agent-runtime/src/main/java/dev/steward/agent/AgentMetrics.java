package dev.steward.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's metrics ({@code GET /metrics} on its HTTP port), in a registry of its own. Counted
 * as things happen: launches (from the task reaching the agent to its process running, package
 * fetch and unpack included), restarts, health checks, package cache hits and misses, heartbeat
 * round trips. Read from the loop thread's latest sample ({@link Sample}, taken with the figures
 * each heartbeat carries): tasks by phase and each running task's cpu, memory and disk.
 */
final class AgentMetrics {
    private static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Histogram launch;
    private final Histogram stages;
    private final Counter restarts;
    private final Counter commands;
    private final Counter checks;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter downloadedBytes;
    private final Histogram heartbeat;
    private final Counter heartbeatFailures;
    private volatile Sample sample = new Sample(Map.of(), Map.of(), 0);

    /**
     * What the loop thread saw at its latest usage reading: tasks by phase, each running task's
     * figures ({@code mem:ID} MiB... as {@link Usage} reports them), and the package cache's bytes.
     */
    record Sample(Map<String, Integer> phases, Map<String, Long> usage, long cacheBytes) {
    }

    AgentMetrics() {
        launch = Histogram.builder().name("steward_agent_task_launch_duration_seconds")
                .help("From a task reaching the agent to its process running: package fetch and unpack, cgroup, process start")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        stages = Histogram.builder().name("steward_agent_task_launch_stage_seconds")
                .help("A launch's stages on the agent, each from the end of the one before: accepted (loop thread), fetched (package), cgroup, "
                        + "spawned (fork and exec), started (running in /proc), journaled (RUNNING written, fsync), acknowledged (by the allocator)")
                .labelNames("stage").classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        restarts = Counter.builder().name("steward_agent_task_restarts_total").help("Task restarts under their restart policy").register(registry);
        commands = Counter.builder().name("steward_agent_task_commands_total")
                .help("Commands run in tasks (steward exec), by outcome: exited (whatever its code), timed_out (killed at its timeout), "
                        + "abandoned (killed when its caller left), refused (the agent's or the task's limit of commands at once)")
                .labelNames("outcome").register(registry);
        checks = Counter.builder().name("steward_agent_health_checks_total").help("Health checks run, by result (pass or fail)")
                .labelNames("result").register(registry);
        cacheHits = Counter.builder().name("steward_agent_package_cache_hits_total").help("Packages a task found in the agent's cache").register(registry);
        cacheMisses = Counter.builder().name("steward_agent_package_cache_misses_total").help("Packages downloaded from the allocator's store")
                .register(registry);
        downloadedBytes = Counter.builder().name("steward_agent_package_download_bytes_total").help("Bytes of packages downloaded into the cache")
                .register(registry);
        heartbeat = Histogram.builder().name("steward_agent_heartbeat_duration_seconds").help("Heartbeat round trips to the allocator that were answered")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        heartbeatFailures = Counter.builder().name("steward_agent_heartbeat_failures_total").help("Heartbeats that got no answer (each retried by the next)")
                .register(registry);
        restarts.inc(0);
        for (String o : new String[] {"exited", "timed_out", "abandoned", "refused"}) {
            commands.labelValues(o).inc(0);
        }
        checks.labelValues("pass").inc(0);
        checks.labelValues("fail").inc(0);
        cacheHits.inc(0);
        cacheMisses.inc(0);
        heartbeatFailures.inc(0);
        downloadedBytes.inc(0);
        GaugeWithCallback.builder().name("steward_agent_tasks").help("Tasks on this agent by phase (waiting, fetching, running, stopping, done)")
                .labelNames("phase").callback(cb -> sample.phases().forEach((k, v) -> cb.call(v, k))).register(registry);
        GaugeWithCallback.builder().name("steward_agent_package_cache_bytes").help("Bytes of packages in the agent's cache")
                .callback(cb -> cb.call(sample.cacheBytes())).register(registry);
        GaugeWithCallback.builder().name("steward_agent_task_memory_bytes").help("A running task's memory use (its cgroup's)")
                .labelNames("task").callback(cb -> per(cb, "mem:", 1024.0 * 1024)).register(registry);
        GaugeWithCallback.builder().name("steward_agent_task_disk_bytes").help("A running task's sandbox on disk")
                .labelNames("task").callback(cb -> per(cb, "disk:", 1024.0 * 1024)).register(registry);
        CounterWithCallback.builder().name("steward_agent_task_cpu_seconds_total").help("CPU time a running task has used (its cgroup's)")
                .labelNames("task").callback(cb -> sample.usage().forEach((k, v) -> {
                    if (k.startsWith("cpu:")) {
                        cb.call(v / 1000.0, k.substring(4));
                    }
                })).register(registry);
    }

    /**
     * Reports, from now on, when this agent's TLS certificates stop being valid: its own (which it
     * presents to the allocator and on its log server) and each CA it trusts.
     */
    void tls(java.util.function.Supplier<java.util.List<dev.steward.tls.CertificateExpiry>> certificates) {
        GaugeWithCallback.builder().name("steward_agent_tls_certificate_not_after_seconds")
                .help("When a TLS certificate of this agent stops being valid, in seconds since the epoch: its own (certificate=\"own\") "
                        + "and each CA it trusts (certificate=\"ca\"), by subject")
                .labelNames("certificate", "subject")
                .callback(cb -> certificates.get().forEach(c -> cb.call(c.notAfterSeconds(), c.which(), c.subject()))).register(registry);
    }

    private void per(GaugeWithCallback.Callback cb, String prefix, double scale) {
        sample.usage().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                cb.call(v * scale, k.substring(prefix.length()));
            }
        });
    }

    void launched(long nanos) {
        launch.observe(nanos / 1e9);
    }

    void launchStage(LaunchTimes.Stage stage, long nanos) {
        stages.labelValues(stage.name().toLowerCase(Locale.ROOT)).observe(nanos / 1e9);
    }

    /** A command run in a task ended ({@code exited}, {@code timed_out}, {@code abandoned}), or was refused for a limit ({@code refused}). */
    void command(String outcome) {
        commands.labelValues(outcome).inc();
    }

    void restarted() {
        restarts.inc();
    }

    void checked(boolean ok) {
        checks.labelValues(ok ? "pass" : "fail").inc();
    }

    void cache(boolean hit, long downloaded) {
        (hit ? cacheHits : cacheMisses).inc();
        if (downloaded > 0) {
            downloadedBytes.inc(downloaded);
        }
    }

    void heartbeat(long nanos, boolean answered) {
        if (answered) {
            heartbeat.observe(nanos / 1e9);
        } else {
            heartbeatFailures.inc();
        }
    }

    void sample(Sample s) {
        sample = s;
    }

    static Map<String, Integer> phases(Iterable<Supervisor> supervisors) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (Supervisor.Phase p : Supervisor.Phase.values()) {
            out.put(p.name().toLowerCase(Locale.ROOT), 0);
        }
        for (Supervisor s : supervisors) {
            out.merge(s.phase().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        return out;
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    String contentType() {
        return writer.getContentType();
    }
}
