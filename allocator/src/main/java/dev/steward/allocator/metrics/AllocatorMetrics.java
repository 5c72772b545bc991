package dev.steward.allocator.metrics;

import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.engine.EngineObserver;
import dev.steward.allocator.http.RequestObserver;
import dev.steward.allocator.http.RequestTrace;
import dev.steward.allocator.http.TrafficClass;
import dev.steward.api.Resources;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The allocator's metrics, in its own registry (never the global default one: two allocators in
 * one JVM, as in tests or a Jenkins controller, keep theirs apart). Three kinds:
 * <ul>
 *   <li>counted as they happen, off the owner thread or as a bare number on it: HTTP requests
 *       ({@link RequestObserver}), scheduling cycles and durable writes ({@link EngineObserver});</li>
 *   <li>read from the engine at scrape time: its queue depth and busy time;</li>
 *   <li>read from the state at scrape time in one read ({@link StateSample}), at most once a
 *       second however many scrapes come, so scrapes cannot load the owner thread.</li>
 * </ul>
 * Exposed in the Prometheus text format by the library's own writer.
 */
public final class AllocatorMetrics implements RequestObserver, EngineObserver {
    /** Scrapes within this of the last state read reuse it. */
    static final long SAMPLE_EVERY_NANOS = 1_000_000_000L;
    private static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Engine engine;
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();
    private volatile StateSample sample = StateSample.EMPTY;
    private volatile long sampledAt = System.nanoTime() - 2 * SAMPLE_EVERY_NANOS;
    private final AtomicReference<CompletableFuture<StateSample>> inFlight = new AtomicReference<>();

    private final Counter httpRequests;
    private final Histogram httpDuration;
    private final Histogram cycle;
    private final Counter followUps;
    private final Histogram storeWrite;
    private final Counter storeWriteErrors;

    /**
     * Reports, from now on, the HTTP transport's connections: those open, those closed as they
     * were accepted (their address already held its most, {@code steward server
     * --max-connections-per-address}, or every connection was an agent's or busy), and idle ones
     * closed to make room for a new one once every connection was taken. Hosts that try to take
     * every connection show here.
     */
    public void connections(java.util.function.LongSupplier open, java.util.function.LongSupplier refused, java.util.function.LongSupplier evicted) {
        GaugeWithCallback.builder().name("steward_http_connections_open")
                .help("HTTP connections open now (at most --max-connections)")
                .callback(cb -> cb.call(open.getAsLong())).register(registry);
        CounterWithCallback.builder().name("steward_http_connections_refused_total")
                .help("Connections closed as they were accepted: their remote address already held the most one address may "
                        + "(--max-connections-per-address), or every connection was an agent's or had a request being served")
                .callback(cb -> cb.call(refused.getAsLong())).register(registry);
        CounterWithCallback.builder().name("steward_http_connections_evicted_total")
                .help("Idle connections (between requests, or with a request head not yet whole) closed to make room for a new one: "
                        + "every connection was taken (--max-connections); agents' connections are never closed for it")
                .callback(cb -> cb.call(evicted.getAsLong())).register(registry);
    }

    /**
     * Reports, from now on, what a lone allocator lived through before this life of its state
     * began: how often its store failed and it opened its state again ({@code Recovery}), and for
     * how long it answered without one. Each life has a registry of its own, so these come from
     * the server, which outlives its lives.
     */
    public void outages(java.util.function.LongSupplier count, java.util.function.DoubleSupplier seconds) {
        CounterWithCallback.builder().name("steward_store_outages_total")
                .help("Times the state store failed (a full disk, most often) and the allocator, having answered every request with "
                        + "why meanwhile, opened its state again by itself")
                .callback(cb -> cb.call(count.getAsLong())).register(registry);
        CounterWithCallback.builder().name("steward_store_outage_seconds_total")
                .help("Time spent without a writable state store, from the failed write to the state opened again")
                .callback(cb -> cb.call(seconds.getAsDouble())).register(registry);
    }

    /**
     * Reports, from now on, when this server's TLS certificates stop being valid: its own and each
     * CA it trusts. A certificate ends for every connection at once; the alert
     * {@code StewardCertificateExpiresSoon} watches this a month ahead.
     */
    public void tls(java.util.function.Supplier<java.util.List<dev.steward.tls.CertificateExpiry>> certificates) {
        if (certificates != null) {
            registry.register(tlsGauge(certificates));
        }
    }

    /**
     * The gauge {@link #tls} registers, for a registry of the caller's (a replicated server's
     * follower reports it too); {@code certificates} is read at each scrape, so a certificate
     * renewed on disk shows ({@link dev.steward.tls.CertificateExpiry#watch}).
     */
    public static GaugeWithCallback tlsGauge(java.util.function.Supplier<java.util.List<dev.steward.tls.CertificateExpiry>> certificates) {
        return GaugeWithCallback.builder().name("steward_tls_certificate_not_after_seconds")
                .help("When a TLS certificate of this server stops being valid, in seconds since the epoch: its own (certificate=\"own\") "
                        + "and each CA it trusts (certificate=\"ca\"), by subject")
                .labelNames("certificate", "subject")
                .callback(cb -> certificates.get().forEach(c -> cb.call(c.notAfterSeconds(), c.which(), c.subject()))).build();
    }

    public AllocatorMetrics(Engine engine) {
        this.engine = engine;
        httpRequests = Counter.builder().name("steward_http_requests_total")
                .help("HTTP requests answered, by route template, method, traffic class and status code")
                .labelNames("route", "method", "class", "status").register(registry);
        httpDuration = Histogram.builder().name("steward_http_request_duration_seconds")
                .help("Time from a request's arrival to its answer being out, by route template, method and traffic class (watches include their wait)")
                .labelNames("route", "method", "class").classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        cycle = Histogram.builder().name("steward_scheduler_cycle_duration_seconds")
                .help("Time one scheduling cycle (fair order, placement, preemption) took on the owner thread")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        storeWrite = Histogram.builder().name("steward_store_write_duration_seconds")
                .help("Time one durable write of a batch of changes took (SQLite commit; under HA, the ZooKeeper log append too)")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        storeWriteErrors = Counter.builder().name("steward_store_write_errors_total")
                .help("Durable writes that failed (the allocator then refuses commands: fail-stop; under HA the leader steps down)").register(registry);
        storeWriteErrors.inc(0);
        followUps = Counter.builder().name("steward_scheduler_followups_total")
                .help("Follow-up scheduling cycles run because a role's regex constraints were cut short before every agent was reached").register(registry);
        followUps.inc(0);

        GaugeWithCallback.builder().name("steward_engine_queue_depth").help("Commands waiting for the state's owner thread")
                .callback(cb -> cb.call(engine.queued())).register(registry);
        GaugeWithCallback.builder().name("steward_parked_queries")
                .help("Blocking queries parked on the state, waiting for a change or their time (agents' task watches, clients' waits)")
                .callback(cb -> cb.call(engine.parkedQueries())).register(registry);
        CounterWithCallback.builder().name("steward_engine_busy_seconds_total").help("Time the state's owner thread spent on commands, reads and ticks")
                .callback(cb -> cb.call(engine.busyNanos() / 1e9)).register(registry);
        GaugeWithCallback.builder().name("steward_state_index").help("The state's index: the number of the latest durable change")
                .callback(cb -> cb.call(engine.index())).register(registry);

        GaugeWithCallback.builder().name("steward_agents").help("Agents by state: ready, draining (ready, taking no new work), disk_pressure "
                        + "(ready, taking no new work until its disk has room) and lost")
                .labelNames("state").callback(cb -> sample.agents().forEach((k, v) -> cb.call(v, k))).register(registry);
        GaugeWithCallback.builder().name("steward_allocations").help("Allocations kept, by state")
                .labelNames("state").callback(cb -> sample.allocations().forEach((k, v) -> cb.call(v, lower(k)))).register(registry);
        GaugeWithCallback.builder().name("steward_requests_pending")
                .help("Requests waiting for placement, by role and by why (the reason that turned most agents away, or the role-level reason)")
                .labelNames("role", "reason").callback(cb -> sample.pending().forEach((k, v) -> cb.call(v, k.get(0), k.get(1)))).register(registry);
        GaugeWithCallback.builder().name("steward_role_weight").help("A role's DRF weight")
                .labelNames("role").callback(cb -> sample.roles().forEach(r -> cb.call(r.weight(), r.name()))).register(registry);
        GaugeWithCallback.builder().name("steward_role_dominant_share").help("A role's weighted DRF dominant share of the ready agents' capacity (0 to 1 unweighted)")
                .labelNames("role").callback(cb -> sample.roles().forEach(r -> cb.call(r.dominantShare(), r.name()))).register(registry);
        GaugeWithCallback.builder().name("steward_role_guarantee_used_ratio")
                .help("What a role holds as a fraction of its guarantee, per guaranteed resource (below 1: it is owed the rest)")
                .labelNames("role", "resource").callback(cb -> sample.roles().forEach(r -> r.guaranteeUsed().forEach((k, v) -> cb.call(v, r.name(), k))))
                .register(registry);
        GaugeWithCallback.builder().name("steward_role_limit_used_ratio")
                .help("What a role holds as a fraction of its limit, per limited resource (1: at its limit, further requests wait)")
                .labelNames("role", "resource").callback(cb -> sample.roles().forEach(r -> r.limitUsed().forEach((k, v) -> cb.call(v, r.name(), k))))
                .register(registry);
        resources("steward_cluster_capacity", "What the ready and draining agents offer, per resource (cpus and gpus in units, memory and disk in bytes)",
                StateSample::capacity);
        resources("steward_cluster_allocated", "What live allocations hold on ready and draining agents, per resource (units as steward_cluster_capacity)",
                StateSample::allocated);
        GaugeWithCallback.builder().name("steward_deployments").help("Deployments kept (the latest of each service), by state")
                .labelNames("state").callback(cb -> sample.deployments().forEach((k, v) -> cb.call(v, lower(k)))).register(registry);
        GaugeWithCallback.builder().name("steward_services").help("Services").callback(cb -> cb.call(sample.services())).register(registry);
        GaugeWithCallback.builder().name("steward_services_short")
                .help("Services with no rollout under way that have fewer instances available than they want (failing, lost and not yet replaced, or no room)")
                .callback(cb -> cb.call(sample.servicesShort())).register(registry);
        GaugeWithCallback.builder().name("steward_packages").help("Packages in the artifact store").callback(cb -> cb.call(sample.packages())).register(registry);
        GaugeWithCallback.builder().name("steward_package_store_bytes").help("Bytes of the packages in the artifact store")
                .callback(cb -> cb.call(sample.packageBytes())).register(registry);

        CounterWithCallback.builder().name("steward_placements_total").help("Allocations placed on agents since this allocator started")
                .callback(cb -> cb.call(sample.stats().placements())).register(registry);
        CounterWithCallback.builder().name("steward_placement_failures_total")
                .help("Placement attempts that left a request unplaced, by reason (a request is tried again once room may have grown)")
                .labelNames("reason").callback(cb -> sample.stats().failedPlacements().forEach((k, v) -> cb.call(v, k))).register(registry);
        CounterWithCallback.builder().name("steward_placement_attempts_set_aside_total")
                .help("Placement attempts not made: the request found no place before and no room has grown since (a release, an agent, a quota)")
                .callback(cb -> cb.call(sample.stats().setAside())).register(registry);
        CounterWithCallback.builder().name("steward_rollbacks_total").help("Deployments that began rolling back (a failed step or a failing gate)")
                .callback(cb -> cb.call(sample.stats().rollbacks())).register(registry);
        CounterWithCallback.builder().name("steward_instance_replacements_total")
                .help("Services' instances that failed or were lost and were replaced (after the backoff) since this allocator started")
                .callback(cb -> cb.call(sample.stats().replacements())).register(registry);
        CounterWithCallback.builder().name("steward_monitor_verdicts_total").help("Monitors that ended, by their verdict")
                .labelNames("verdict").callback(cb -> sample.stats().verdicts().forEach((k, v) -> cb.call(v, lower(k)))).register(registry);
        CounterWithCallback.builder().name("steward_monitor_evaluations_total").help("Gate evaluations by monitors, by the gate's verdict after each")
                .labelNames("verdict").callback(cb -> sample.stats().evaluations().forEach((k, v) -> cb.call(v, lower(k)))).register(registry);
    }

    private void resources(String name, String help, java.util.function.Function<StateSample, Resources> of) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("resource").callback(cb -> {
            Resources r = of.apply(sample);
            cb.call(r.cpuMillis() / 1000.0, "cpus");
            cb.call(r.memoryMib() * 1024.0 * 1024.0, "memory");
            cb.call(r.diskMib() * 1024.0 * 1024.0, "disk");
            cb.call(r.gpuMillis() / 1000.0, "gpus");
            r.scalars().forEach((k, v) -> cb.call(v, k));
        }).register(registry);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** Where other parts (the HA server) add their own metrics. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void done(RequestTrace trace, String method, TrafficClass cls, int status, long nanos) {
        String c = lower(cls);
        String m = switch (method) { // a client's own method names must not grow the labels
            case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS" -> method;
            default -> "other";
        };
        httpRequests.labelValues(trace.route(), m, c, Integer.toString(status)).inc();
        httpDuration.labelValues(trace.route(), m, c).observe(nanos / 1e9);
    }

    @Override
    public void cycle(long nanos, int placed) {
        cycle.observe(nanos / 1e9);
    }

    @Override
    public void followUp() {
        followUps.inc();
    }

    @Override
    public void write(long nanos, boolean ok) {
        storeWrite.observe(nanos / 1e9);
        if (!ok) {
            storeWriteErrors.inc();
        }
    }

    /** The Prometheus text format of every metric, with a state read at most a second old. */
    public CompletableFuture<byte[]> scrape() {
        return fresh().thenApply(s -> text(registry));
    }

    /** {@code registry}'s metrics in the Prometheus text format (served with {@link #contentType}). */
    public static byte[] text(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            WRITER.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return WRITER.getContentType();
    }

    private CompletableFuture<StateSample> fresh() {
        if (System.nanoTime() - sampledAt < SAMPLE_EVERY_NANOS) {
            return CompletableFuture.completedFuture(sample);
        }
        CompletableFuture<StateSample> mine = new CompletableFuture<>();
        CompletableFuture<StateSample> running = inFlight.compareAndExchange(null, mine);
        if (running != null) {
            return running; // one state read at a time, shared by the scrapes that wait for it
        }
        engine.read(StateSample::of).whenComplete((s, e) -> {
            if (e == null) {
                sample = s;
                sampledAt = System.nanoTime();
            }
            inFlight.set(null);
            if (e != null) {
                mine.completeExceptionally(e);
            } else {
                mine.complete(s);
            }
        });
        return mine;
    }
}
