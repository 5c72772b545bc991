package dev.steward.allocator;

import dev.steward.allocator.auth.Tokens;
import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.http.Api;
import dev.steward.allocator.packages.PackageStore;
import dev.steward.allocator.packages.PackageSweeper;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.StateConfig;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;
import dev.steward.api.RoleSpec;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * A running allocator: recovers the state from the data directory, starts the engine and
 * serves the API. {@code server.addr} in the data directory holds the bound address.
 */
public final class Server implements AutoCloseable {
    private final Engine engine;
    private final dev.steward.allocator.http.JettyServer http;
    private final Api api;
    private final String adminToken;
    private final String joinToken;

    private final PackageSweeper sweeper;

    private final dev.steward.allocator.monitor.MonitorRunner monitors;
    private final boolean https;

    private Server(Engine engine, dev.steward.allocator.http.JettyServer http, Api api, String adminToken, String joinToken, PackageSweeper sweeper,
                   dev.steward.allocator.monitor.MonitorRunner monitors, boolean https) {
        this.https = https;
        this.monitors = monitors;
        this.sweeper = sweeper;
        this.engine = engine;
        this.http = http;
        this.api = api;
        this.adminToken = adminToken;
        this.joinToken = joinToken;
    }

    public static Server start(ServerConfig cfg) throws IOException {
        return start(cfg, Clock.systemUTC());
    }

    public static Server start(ServerConfig cfg, Clock clock) throws IOException {
        return start(cfg, clock, Embedding.ALONE);
    }

    /**
     * How a server runs inside something larger (a replicated setup): the store the engine writes
     * through, made around the local SQLite store, whether it listens itself (false: the caller
     * serves {@link #api()} over its own transport, and writes server.addr), and the keyring the
     * caller holds (null: the server opens {@code cfg.secretsKeyFile()} itself).
     */
    public record Embedding(java.util.function.Function<SqliteStore, Store> store, boolean listen, PackageStore.Replicator packages,
                            dev.steward.allocator.store.SecretKeys keys) {
        public static final Embedding ALONE = new Embedding(s -> s, true, PackageStore.Replicator.NONE, null);
    }

    public static Server start(ServerConfig cfg, Clock clock, Embedding embedding) throws IOException {
        if (!Files.isDirectory(cfg.dataDir())) {
            Files.createDirectories(cfg.dataDir(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        String admin = Tokens.fromFile(cfg.dataDir().resolve("admin.token"), cfg.adminToken(), "sta_admin");
        String join = Tokens.fromFile(cfg.dataDir().resolve("join.token"), cfg.joinToken(), "sta_join");
        String metricsToken = Tokens.fromFile(cfg.dataDir().resolve("metrics.token"), null, "sta_metrics");
        // the caller's keyring where it holds one (a cluster's server hands keys over between servers): one holder of the file per process
        SqliteStore store = new SqliteStore(cfg.dataDir(), embedding.keys() != null ? embedding.keys() : dev.steward.allocator.store.SecretKeys.open(cfg.secretsKeyFile()));
        Store.Loaded loaded = store.load();
        Store durable;
        try {
            durable = embedding.store().apply(store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        boolean reseal = store.foundUnsealed();
        ClusterState state = new ClusterState(StateConfig.DEFAULTS.withHeartbeatGrace(cfg.heartbeatGrace()).withBounds(cfg.bounds()), Tokens::id);
        state.restore(loaded.roles(), loaded.agents(), loaded.requests(), loaded.allocations(), loaded.tokens(), loaded.tasks());
        state.restorePackages(loaded.packages());
        state.services().restore(loaded.services(), loaded.revisions(), loaded.deployments(), loaded.instances());
        state.packages().adoptUnowned(); // rows stored before packages had roles: theirs are who runs them
        state.monitors().restore(loaded.monitors(), loaded.monitorPoints());
        state.services().secrets().restore(loaded.secrets());
        state.restoreIndex(loaded.index(), loaded.sequence());
        Engine engine = new Engine(state, durable, clock);
        dev.steward.allocator.metrics.AllocatorMetrics metrics = new dev.steward.allocator.metrics.AllocatorMetrics(engine);
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
            if (reseal) {
                store.compact(); // and no plain copy stays in the WAL or in free pages
            }
        } catch (Exception e) {
            engine.close();
            throw new IOException("cannot recover the state in " + cfg.dataDir() + ": " + e.getMessage(), e);
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
            throw new IOException("cannot open the package store in " + cfg.dataDir() + ": " + e.getMessage(), e);
        }
        PackageSweeper sweeper = new PackageSweeper(engine, packages);
        dev.steward.allocator.monitor.MonitorRunner monitors = new dev.steward.allocator.monitor.MonitorRunner(engine);
        engine.read(s -> {
            s.services().gateStarter(monitors::attach);
            return null;
        }).join();
        resumed.forEach(monitors::resume); // monitors (canary gates too) that were running when the allocator stopped
        Api api;
        try {
            api = new Api(engine, admin, join, clock, packages, sweeper, monitors, store.secretKeys(), cfg.tls() == null ? null : cfg.tls().files().context(),
                    metrics, cfg.metricsOpen(), metricsToken);
        } catch (IOException e) {
            engine.close();
            throw new IOException("TLS: " + e.getMessage(), e);
        }
        if (!embedding.listen()) {
            sweeper.start();
            return new Server(engine, null, api, admin, join, sweeper, monitors, cfg.tls() != null);
        }
        dev.steward.allocator.http.JettyServer http;
        try {
            http = new dev.steward.allocator.http.JettyServer(api, cfg.bind(), cfg.http(), cfg.tls(), requestObserver(metrics, clock));
        } catch (IOException e) {
            sweeper.close();
            monitors.close();
            engine.close();
            throw new IOException("cannot listen on " + cfg.bind() + ": " + e.getMessage(), e);
        }
        metrics.connections(http::connectionsOpen, http::connectionsRefused, http::connectionsEvicted);
        writeAddress(cfg.dataDir(), (cfg.tls() != null ? "https://" : "http://") + http.address().getHostString() + ":" + http.address().getPort());
        sweeper.start();
        return new Server(engine, http, api, admin, join, sweeper, monitors, cfg.tls() != null);
    }

    /** What a server's HTTP transport tells of each request: the request log, then the metrics. */
    public static dev.steward.allocator.http.RequestObserver requestObserver(dev.steward.allocator.metrics.AllocatorMetrics metrics, Clock clock) {
        return new dev.steward.allocator.http.RequestLog(clock).and(metrics);
    }

    /** Writes {@code url} to server.addr in the data directory, atomically: where clients on this machine find the server. */
    public static void writeAddress(Path dataDir, String url) throws IOException {
        Path addr = dataDir.resolve("server.addr");
        Path tmp = dataDir.resolve("server.addr.tmp");
        Files.writeString(tmp, url + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, addr, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public InetSocketAddress address() {
        return http.address();
    }

    public String url() {
        return (https ? "https://" : "http://") + http.address().getHostString() + ":" + http.address().getPort();
    }

    /** HTTP connections open now, as the connection limit counts them (0 for a server that does not listen: under HA, the front's). */
    public int connectionsOpen() {
        return http == null ? 0 : http.connectionsOpen();
    }

    public String adminToken() {
        return adminToken;
    }

    public String joinToken() {
        return joinToken;
    }

    /** Runs one tick now, as the ticker would: the way a test that holds the ticker lets time act. */
    public void tick() throws Exception {
        engine.tick().get(30, TimeUnit.SECONDS);
    }

    public Engine engine() {
        return engine;
    }

    public Api api() {
        return api;
    }

    @Override
    public void close() {
        sweeper.close();
        monitors.close();
        if (http != null) {
            http.close();
        }
        engine.close();
    }
}
