package dev.steward.allocator;

import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.http.Api;
import dev.steward.allocator.metrics.AllocatorMetrics;
import dev.steward.allocator.monitor.MonitorRunner;
import dev.steward.allocator.packages.PackageStore;
import dev.steward.allocator.packages.PackageSweeper;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.StateConfig;
import dev.steward.allocator.store.SecretKeys;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;
import dev.steward.api.RoleSpec;

import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * One life of an allocator on its data directory: the state recovered from the store, the engine
 * that owns it, the API over it, the package sweeper and the monitors. Opening one is what a
 * restart does, so a listening {@link Server} whose store failed opens another in its place
 * ({@link Recovery}) with nothing acknowledged lost and nothing unacknowledged kept.
 */
final class ServerCore implements AutoCloseable {
    final Engine engine;
    final Api api;
    private final PackageSweeper sweeper;
    private final MonitorRunner monitors;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private ServerCore(Engine engine, Api api, PackageSweeper sweeper, MonitorRunner monitors) {
        this.engine = engine;
        this.api = api;
        this.sweeper = sweeper;
        this.monitors = monitors;
    }

    /** The tokens a server keeps in its data directory: read (or made) once, the same for each life. */
    record Tokens(String admin, String join, String metrics) {
    }

    /**
     * Opens a life; {@code recovered}: a failure of its store is its caller's to tell of and act
     * on (a {@link Recovery}: its tries fail quietly until one opens), else the engine logs it.
     */
    static ServerCore open(ServerConfig cfg, Clock clock, Server.Embedding embedding, SecretKeys keys, Tokens tokens, boolean recovered)
            throws IOException {
        SqliteStore store = new SqliteStore(cfg.dataDir(), keys);
        Store.Loaded loaded;
        Store durable;
        try {
            loaded = store.load();
            durable = embedding.store().apply(store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        boolean reseal = store.foundUnsealed();
        ClusterState state = new ClusterState(StateConfig.DEFAULTS.withHeartbeatGrace(cfg.heartbeatGrace()).withBounds(cfg.bounds()),
                dev.steward.allocator.auth.Tokens::id);
        state.restore(loaded.roles(), loaded.agents(), loaded.requests(), loaded.allocations(), loaded.tokens(), loaded.tasks());
        state.restorePackages(loaded.packages());
        state.services().restore(loaded.services(), loaded.revisions(), loaded.deployments(), loaded.instances());
        state.packages().adoptUnowned(); // rows stored before packages had roles: theirs are who runs them
        state.monitors().restore(loaded.monitors(), loaded.monitorPoints());
        state.services().secrets().restore(loaded.secrets());
        state.restoreIndex(loaded.index(), loaded.sequence());
        Engine engine = new Engine(state, durable, clock);
        if (recovered) {
            engine.onFailure(e -> {
            }); // until the server takes it in, a failed write fails this open, which says why
        }
        AllocatorMetrics metrics = new AllocatorMetrics(engine);
        engine.observe(metrics);
        java.util.List<dev.steward.api.MonitorReport> resumed = new java.util.ArrayList<>();
        try {
            engine.command((s, now) -> {
                s.afterRestart(now);
                if (reseal) {
                    s.tasks().rewriteSecrets(); // stored before secrets were sealed: written again, sealed
                }
                resumed.addAll(s.monitors().afterRestart(now));
                if (s.roles().stream().noneMatch(r -> r.name().equals(ClusterState.DEFAULT_ROLE))) {
                    s.putRole(ClusterState.DEFAULT_ROLE, new RoleSpec(1.0, null, null).parse());
                }
                return null;
            }).get(30, TimeUnit.SECONDS);
            if (recovered) {
                engine.writeThrough().get(30, TimeUnit.SECONDS); // the store takes writes: opening may have written nothing
            }
            if (reseal) {
                store.compact(); // and no plain copy stays in the WAL or in free pages
            }
        } catch (Exception e) {
            engine.close();
            throw new IOException("cannot recover the state in " + cfg.dataDir() + ": " + rootMessage(e), e);
        }
        if (cfg.tickInterval() != null) {
            // a tick later than a quarter of the grace means the allocator itself stalled: fresh graces, no agent blamed
            engine.startTicker(cfg.tickInterval(), cfg.heartbeatGrace().dividedBy(4));
        }
        PackageStore packages;
        try {
            packages = new PackageStore(cfg.dataDir(), cfg.packages());
            packages.replicateWith(embedding.packages());
            java.util.Set<String> recorded = new java.util.HashSet<>();
            loaded.packages().forEach(p -> recorded.add(p.digest()));
            java.util.List<String> missing = new java.util.ArrayList<>(packages.recover(recorded));
            missing.removeIf(d -> embedding.packages().fetch(d, packages)); // a replica has it: fetched, not forgotten
            if (!missing.isEmpty()) {
                engine.command((s, now) -> {
                    missing.forEach(s.packages()::forget);
                    return null;
                }).get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            engine.close();
            throw new IOException("cannot open the package store in " + cfg.dataDir() + ": " + rootMessage(e), e);
        }
        PackageSweeper sweeper = new PackageSweeper(engine, packages);
        MonitorRunner monitors = new MonitorRunner(engine);
        engine.read(s -> {
            s.services().gateStarter(monitors::attach);
            return null;
        }).join();
        resumed.forEach(monitors::resume); // monitors (canary gates too) that were running when the allocator stopped
        Api api;
        try {
            api = new Api(engine, tokens.admin(), tokens.join(), clock, packages, sweeper, monitors, store.secretKeys(),
                    cfg.tls() == null ? null : cfg.tls().context(), metrics, cfg.metricsOpen(), tokens.metrics(),
                    cfg.tls() == null ? null : dev.steward.tls.CertificateExpiry.watch(cfg.tls().files(), dev.steward.tls.CertificateExpiry.of(cfg.tls().files())));
        } catch (IOException e) {
            monitors.close();
            engine.close();
            throw new IOException("TLS: " + e.getMessage(), e);
        }
        sweeper.start();
        return new ServerCore(engine, api, sweeper, monitors);
    }

    /** The innermost message of a failure wrapped by futures: what went wrong, once. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    AllocatorMetrics metrics() {
        return api.metrics();
    }

    /** Closes this life once: a recovery closes a failed one, and the server's stop then finds it closed. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sweeper.close();
        monitors.close();
        engine.close();
    }
}
