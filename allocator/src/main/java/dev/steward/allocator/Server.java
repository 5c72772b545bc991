package dev.steward.allocator;

import dev.steward.allocator.auth.Tokens;
import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.http.Api;
import dev.steward.allocator.http.SwitchApi;
import dev.steward.allocator.packages.PackageStore;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;
import dev.steward.datadir.DataDirLock;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * A running allocator: recovers the state from the data directory, starts the engine and
 * serves the API. {@code server.addr} in the data directory holds the bound address. A lone
 * allocator that listens itself outlives a failure of its store (a full disk): it answers why
 * meanwhile and opens its state again once it can ({@link Recovery}), on the same port; started
 * on a disk that is full, it listens and answers why the same way until there is room, instead of
 * exiting (under systemd, a restart loop that would log onto the full disk).
 */
public final class Server implements AutoCloseable {
    /** The life serving now: the first, or the one a recovery opened after a failed store. */
    private final java.util.concurrent.atomic.AtomicReference<ServerCore> serving;
    private final dev.steward.allocator.http.JettyServer http;
    private final Recovery recovery;
    private final String adminToken;
    private final String joinToken;
    private final boolean https;
    /** The data directory held while it runs; null under HA, whose server holds it. Set once, by {@link #start}; read by a close on another thread. */
    private volatile DataDirLock lock;

    private Server(java.util.concurrent.atomic.AtomicReference<ServerCore> serving, dev.steward.allocator.http.JettyServer http, Recovery recovery,
                   String adminToken, String joinToken, boolean https) {
        this.serving = serving;
        this.http = http;
        this.recovery = recovery;
        this.adminToken = adminToken;
        this.joinToken = joinToken;
        this.https = https;
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
     * serves {@link #api()} over its own transport, writes server.addr, and handles a failed
     * store itself), and the keyring the caller holds (null: the server opens
     * {@code cfg.secretsKeyFile()} itself).
     */
    public record Embedding(java.util.function.Function<SqliteStore, Store> store, boolean listen, PackageStore.Replicator packages,
                            dev.steward.allocator.store.SecretKeys keys) {
        public static final Embedding ALONE = new Embedding(s -> s, true, PackageStore.Replicator.NONE, null);
    }

    /**
     * Starts a server on {@code cfg}'s data directory; one that listens itself holds the directory
     * ({@link DataDirLock}) until it is closed, so a second one started on it is refused (under HA,
     * the caller holds it).
     */
    public static Server start(ServerConfig cfg, Clock clock, Embedding embedding) throws IOException {
        if (!Files.isDirectory(cfg.dataDir())) {
            Files.createDirectories(cfg.dataDir(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        DataDirLock lock = embedding.listen() ? DataDirLock.acquire(cfg.dataDir(), "an allocator") : null;
        try {
            Server s = open(cfg, clock, embedding);
            s.lock = lock;
            return s;
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    private static Server open(ServerConfig cfg, Clock clock, Embedding embedding) throws IOException {
        ServerCore.Tokens tokens = new ServerCore.Tokens(Tokens.fromFile(cfg.dataDir().resolve("admin.token"), cfg.adminToken(), "sta_admin"),
                // off: agents join with minted join tokens only, and no join.token is made for anyone to copy
                cfg.staticJoinToken() ? Tokens.fromFile(cfg.dataDir().resolve("join.token"), cfg.joinToken(), "sta_join") : null,
                Tokens.fromFile(cfg.dataDir().resolve("metrics.token"), null, "sta_metrics"));
        // the caller's keyring where it holds one (a cluster's server hands keys over between servers): one holder of the file per process
        dev.steward.allocator.store.SecretKeys keys = embedding.keys() != null ? embedding.keys()
                : dev.steward.allocator.store.SecretKeys.open(cfg.secretsKeyFile());
        ServerCore first = null;
        Exception full = null; // the state could not be opened for want of room: served as an outage, when the server listens itself
        try {
            first = ServerCore.open(cfg, clock, embedding, keys, tokens, embedding.listen());
        } catch (IOException | RuntimeException e) {
            long free = usableSpace(cfg.dataDir());
            if (free >= Outage.resumeFree(totalSpace(cfg.dataDir()))) {
                throw e;
            }
            if (!embedding.listen()) { // the likely why, said with the failure SQLite gave
                throw new IOException(e.getMessage() + "; the disk of " + cfg.dataDir() + " has " + dev.steward.api.Units.formatBytes(free)
                        + " free: free space on it and start the server again", e);
            }
            full = e;
        }
        java.util.concurrent.atomic.AtomicReference<ServerCore> serving = new java.util.concurrent.atomic.AtomicReference<>(first);
        if (!embedding.listen()) {
            return new Server(serving, null, null, tokens.admin(), tokens.join(), cfg.tls() != null);
        }
        Outage startOutage = full == null ? null : Outage.of(cfg.dataDir(), full, usableSpace(cfg.dataDir()), totalSpace(cfg.dataDir()));
        SwitchApi front = new SwitchApi(first != null ? first.api
                : new dev.steward.allocator.http.OutageApi(() -> startOutage.reason(usableSpace(cfg.dataDir())), 0));
        // the request log, then the metrics of whichever life serves now (none before the state is first opened)
        dev.steward.allocator.http.RequestObserver observer = new dev.steward.allocator.http.RequestLog(clock)
                .and((trace, method, cls, status, nanos) -> {
                    ServerCore life = serving.get();
                    if (life != null) {
                        life.metrics().done(trace, method, cls, status, nanos);
                    }
                });
        dev.steward.allocator.http.JettyServer http;
        try {
            http = new dev.steward.allocator.http.JettyServer(front, cfg.bind(), cfg.http(), cfg.tls(), observer);
        } catch (IOException e) {
            if (first != null) {
                first.close();
            }
            throw new IOException("cannot listen on " + cfg.bind() + ": " + e.getMessage(), e);
        }
        java.util.function.Supplier<java.util.List<dev.steward.tls.CertificateExpiry>> certificates = cfg.tls() == null ? null
                : cfg.tls().expiries(clock.instant());
        Recovery[] recovery = new Recovery[1];
        String url = (cfg.tls() != null ? "https://" : "http://") + http.address().getHostString() + ":" + http.address().getPort();
        boolean[] addressWritten = {false};
        java.util.function.Consumer<ServerCore> adopt = life -> {
            serving.set(life);
            if (!addressWritten[0]) { // not written while the disk was full: now
                addressWritten[0] = tryWriteAddress(cfg.dataDir(), url);
            }
            life.metrics().connections(http::connectionsOpen, http::connectionsRefused, http::connectionsEvicted);
            life.metrics().tls(certificates);
            life.metrics().outages(recovery[0]::outages, recovery[0]::outageSeconds);
            life.engine.onFailure(cause -> recovery[0].failed(life, cause));
            front.set(life.api);
        };
        recovery[0] = new Recovery(cfg.dataDir(), front, () -> ServerCore.open(cfg, clock, embedding, keys, tokens, true), adopt,
                () -> usableSpace(cfg.dataDir()));
        if (first != null) {
            writeAddress(cfg.dataDir(), url);
            addressWritten[0] = true;
            adopt.accept(first);
        } else {
            addressWritten[0] = tryWriteAddress(cfg.dataDir(), url);
            recovery[0].failedAtStart(full);
        }
        return new Server(serving, http, recovery[0], tokens.admin(), tokens.join(), cfg.tls() != null);
    }

    /** {@link #writeAddress}, or false (and a warning) when it cannot be written now: its disk full, local clients find the server once it is. */
    private static boolean tryWriteAddress(Path dataDir, String url) {
        try {
            writeAddress(dataDir, url);
            return true;
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(Server.class.getName()).warning("cannot write server.addr in " + dataDir + " (" + e.getMessage()
                    + "): 'steward' commands on this machine find the server once its disk has room; --addr " + url + " reaches it now");
            return false;
        }
    }

    /** Free bytes for this user on the disk of {@code dir}; the most there could be when it cannot be read (so a try is made). */
    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The size of the disk of {@code dir}; 0 when it cannot be read. */
    private static long totalSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getTotalSpace();
        } catch (IOException e) {
            return 0;
        }
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

    /** The data directory's join token; null when it is off ({@link ServerConfig#withStaticJoinToken}). */
    public String joinToken() {
        return joinToken;
    }

    /** Runs one tick now, as the ticker would: the way a test that holds the ticker lets time act. */
    public void tick() throws Exception {
        life().engine.tick().get(30, TimeUnit.SECONDS);
    }

    /** Whether its state is open now: false while a store outage lasts, or, started on a full disk, until there is room. */
    public boolean opened() {
        return serving.get() != null && (recovery == null || !recovery.inOutage());
    }

    /** The engine of the life serving now (after a failed store and its recovery, a new one). */
    public Engine engine() {
        return life().engine;
    }

    public Api api() {
        return life().api;
    }

    private ServerCore life() {
        ServerCore life = serving.get();
        if (life == null) {
            throw new IllegalStateException("the allocator has not opened its state yet: its disk is full, and it waits for room");
        }
        return life;
    }

    @Override
    public void close() {
        if (recovery != null) {
            recovery.close(); // a try under way ends first: then the current life is the last one
        }
        if (http != null) {
            http.close();
        }
        ServerCore life = serving.get();
        if (life != null) {
            life.close();
        }
        if (lock != null) {
            lock.close(); // last: the directory is let go once nothing of this server writes to it
        }
    }
}
