package dev.steward.ha;

import dev.steward.allocator.store.Store;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryUntilElapsed;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code steward snapshot restore} for allocators on ZooKeeper: takes the leader epoch (the
 * leader, if one runs, is fenced and steps down), appends an empty entry to get a position past
 * everything in the log, writes the snapshot there and trims the log behind it. Every server
 * then loads it as it catches up, and the next leader starts from it.
 */
public final class Restore {
    private Restore() {
    }

    /**
     * Puts {@code dump} in the log as the whole state, if {@code epoch} is still current: a restore
     * entry past everything in the log, the snapshot at its position, and the log trimmed behind
     * it. Returns that position.
     */
    static long install(ZkLog log, int epoch, Store.Dump dump) {
        List<Long> positions = log.positions();
        long prev = positions.isEmpty() ? log.latestSnapshotPosition() : positions.get(positions.size() - 1);
        long at = log.append(epoch, prev, LogCodec.entry(new LogCodec.Entry(prev, epoch,
                new Store.RowBatch(dump.index(), dump.sequence(), dump.schema(), Map.of(), Set.of()), true)));
        log.snapshot(epoch, at, LogCodec.dump(new Store.Dump(dump.index(), dump.sequence(), at, dump.schema(), dump.rows())));
        log.trim(epoch, at);
        return at;
    }

    /** Returns the log position the snapshot was restored at. */
    public static long intoZooKeeper(String connect, String root, Store.Dump dump) throws IOException {
        try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(connect).sessionTimeoutMs(10_000).connectionTimeoutMs(5_000)
                .retryPolicy(new RetryUntilElapsed(10_000, 250)).build()) {
            zk.start();
            if (!zk.blockUntilConnected(30, TimeUnit.SECONDS)) {
                throw new IOException("cannot reach ZooKeeper at " + connect + " within 30 s");
            }
            ZkLog log = new ZkLog(zk, root);
            log.init();
            for (int attempt = 1; ; attempt++) {
                // a running leader is fenced and steps down; the next one may take the epoch back before the snapshot is in: again
                int epoch = log.fence("steward snapshot restore");
                try {
                    return install(log, epoch, dump);
                } catch (Fenced raced) {
                    if (attempt >= 20) {
                        throw new IOException("a leader took the epoch back 20 times before the snapshot was in: stop the allocators and restore again", raced);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
