package dev.steward.ha;

import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The leader's store: each batch is appended to the ZooKeeper log (fenced by the leader epoch)
 * and only then written to the local SQLite file with the entry's position; the engine
 * acknowledges after both. A refused or failed append fails the batch (none of it is
 * acknowledged) and tells the server to step down. Every {@code snapshotEvery} entries a
 * snapshot of the local file goes to ZooKeeper, off the engine's thread, and the log is trimmed
 * behind it.
 */
final class ReplicatedStore implements Store {
    private static final Logger LOG = Logger.getLogger(ReplicatedStore.class.getName());
    private final SqliteStore local;
    private final ZkLog log;
    private final int epoch;
    private final int snapshotEvery;
    private final Consumer<RuntimeException> onFailure;
    private final java.util.function.BooleanSupplier connected;
    private long last;
    private int sinceSnapshot;
    private final AtomicBoolean snapshotting = new AtomicBoolean();
    private final ExecutorService snapshots = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "steward-ha-snapshot");
        t.setDaemon(true);
        return t;
    });

    ReplicatedStore(SqliteStore local, ZkLog log, int epoch, int snapshotEvery, java.util.function.BooleanSupplier connected,
                    Consumer<RuntimeException> onFailure) {
        this.connected = connected;
        this.local = local;
        this.log = log;
        this.epoch = epoch;
        this.snapshotEvery = snapshotEvery;
        this.onFailure = onFailure;
        this.last = local.logPosition();
    }

    @Override
    public Loaded load() {
        return local.load();
    }

    @Override
    public Dump dump() {
        return local.dump();
    }

    @Override
    public void write(Batch batch) {
        RowBatch rows = local.encode(batch);
        long position;
        try {
            if (!connected.getAsBoolean()) { // fail at once: a leader cut off from ZooKeeper may be deposed already
                throw new ZkLog.Unavailable("this server lost its ZooKeeper connection: the change is refused, not written", null);
            }
            position = log.append(epoch, last, LogCodec.entry(new LogCodec.Entry(last, epoch, rows)));
        } catch (RuntimeException e) {
            onFailure.accept(e);
            throw e;
        }
        try {
            local.apply(rows, position);
        } catch (RuntimeException e) {
            // in the log but not in this file: acknowledged by nobody; this server steps down and catches up as a follower
            onFailure.accept(e);
            throw e;
        }
        last = position;
        if (++sinceSnapshot >= snapshotEvery && snapshotting.compareAndSet(false, true)) {
            sinceSnapshot = 0;
            snapshots.execute(this::snapshot);
        }
    }

    /** Writes a snapshot of the local file and trims the log behind it. */
    void snapshot() {
        try {
            Dump d = local.dump();
            log.snapshot(epoch, d.logPosition(), LogCodec.dump(d));
            int trimmed = log.trim(epoch, d.logPosition());
            LOG.fine(() -> "snapshot at log position " + d.logPosition() + "; " + trimmed + " entries trimmed");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write a snapshot to ZooKeeper (the log stays untrimmed until the next one): " + e.getMessage(), e);
        } finally {
            snapshotting.set(false);
        }
    }

    @Override
    public void close() {
        snapshots.shutdownNow();
        local.close();
    }
}
