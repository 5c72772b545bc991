package dev.steward.ha;

import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store.Dump;
import org.apache.curator.framework.CuratorFramework;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Replays the log into this server's SQLite file: each entry in order, with its position, in
 * one transaction each. A snapshot newer than what this server applied (taken after it fell
 * behind, or restored by an operator) is loaded first; an entry whose {@code prev} is not the last
 * one applied means the log was trimmed past this server: it loads the newest snapshot, then goes on. It wakes when the log's
 * children change, and at least every second.
 */
final class Follower implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Follower.class.getName());
    private final SqliteStore local;
    private final ZkLog log;
    private final CuratorFramework zk;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running = true;
    private volatile RuntimeException refused;
    private final Thread thread;

    private final java.util.function.Consumer<RuntimeException> onRefused;

    private Follower(SqliteStore local, ZkLog log, CuratorFramework zk, java.util.function.Consumer<RuntimeException> onRefused) {
        this.onRefused = onRefused;
        this.local = local;
        this.log = log;
        this.zk = zk;
        this.thread = new Thread(this::run, "steward-ha-follower");
        this.thread.setDaemon(true);
    }

    /** Starts replaying into {@code local}, which it closes when closed; {@code onRefused} hears of a leader of a newer release. */
    static Follower start(SqliteStore local, ZkLog log, CuratorFramework zk, java.util.function.Consumer<RuntimeException> onRefused) {
        Follower f = new Follower(local, log, zk, onRefused);
        f.thread.start();
        return f;
    }

    /** Applies every entry not yet applied; returns the position reached. */
    static long catchUp(SqliteStore local, ZkLog log) {
        long at = local.logPosition();
        for (int attempt = 0; ; attempt++) {
            try {
                if (log.latestSnapshotPosition() > at) { // taken (or restored) past this server: the state at that position, whole
                    at = loadSnapshot(local, log);
                }
                for (long p : log.positions()) {
                    if (p <= at) {
                        continue;
                    }
                    LogCodec.Entry e = LogCodec.entry(log.read(p));
                    if (e.restore()) { // a restored snapshot replaces everything up to here; it is written just after this entry
                        if (log.latestSnapshotPosition() < p) {
                            throw new IllegalStateException("a snapshot restore at log position " + p + " is not complete yet");
                        }
                        at = loadSnapshot(local, log);
                        break;
                    }
                    if (e.prev() != at) {
                        long before = at;
                        at = loadSnapshot(local, log);
                        if (at <= before) { // the newest snapshot does not bridge the gap: a log this server cannot follow, said rather than looped on
                            throw new IllegalStateException("the log is broken at position " + p + ": its entry follows " + e.prev() + ", this server "
                                    + "applied up to " + before + ", and the newest snapshot (at " + at + ") does not cover the gap");
                        }
                        break; // and list again from the snapshot's position
                    }
                    local.apply(e.rows(), p);
                    at = p;
                }
                long newest = log.positions().stream().mapToLong(Long::longValue).max().orElse(at);
                if (newest <= at) {
                    return at;
                }
            } catch (ZkLog.Trimmed t) {
                if (attempt > 10) {
                    throw t;
                }
                at = local.logPosition(); // trimmed while read: list again
            }
        }
    }

    private static long loadSnapshot(SqliteStore local, ZkLog log) {
        ZkLog.Snapshot s = log.latestSnapshot().orElseThrow(() -> new IllegalStateException(
                "the log has a gap before its oldest entry and there is no snapshot: the ZooKeeper root was changed by hand?"));
        Dump d = LogCodec.dump(s.data());
        local.replaceAll(new Dump(d.index(), d.sequence(), s.position(), d.schema(), d.rows()));
        LOG.info("loaded the snapshot at log position " + s.position() + " (taken or restored past what this server had applied)");
        return s.position();
    }

    private void run() {
        org.apache.curator.framework.api.CuratorWatcher watcher = event -> wake.release();
        while (running) {
            try {
                zk.getChildren().usingWatcher(watcher).forPath(log.root() + "/log");
                catchUp(local, log);
            } catch (dev.steward.allocator.store.NewerSchema newer) {
                refused = newer;
                LOG.severe("stopped following: " + newer.getMessage());
                onRefused.accept(newer);
                return;
            } catch (Exception e) {
                LOG.log(Level.FINE, "following: " + e.getMessage(), e); // ZooKeeper unreachable: try again
            }
            try {
                wake.tryAcquire(1, TimeUnit.SECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Why this server stopped following, if it did (a leader of a newer release). */
    RuntimeException refused() {
        return refused;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        local.close();
    }
}
