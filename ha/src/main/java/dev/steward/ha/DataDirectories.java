package dev.steward.ha;

import dev.steward.allocator.store.SecretKeys;
import dev.steward.allocator.store.SqliteStore;

/** Which data directories may follow a cluster's log: the check a server makes before it joins. */
final class DataDirectories {
    private DataDirectories() {
    }

    /**
     * Checks that the data directory can follow this cluster's log, and marks it as following it.
     * A directory that followed another cluster's log (ZooKeeper wiped, another --zk-root), or holds
     * a single server's state while the cluster's log already has one, is refused: replaying the log
     * on top of it would mix two histories. A single server's directory joining an empty log is
     * welcome: its state becomes the cluster's first snapshot.
     */
    static void adopt(java.nio.file.Path dataDir, SecretKeys keys, ZkLog log, String cluster) {
        try (SqliteStore local = new SqliteStore(dataDir, keys)) {
            String mine = local.cluster();
            if (mine != null && !mine.equals(cluster)) {
                throw new IllegalStateException("the data directory " + dataDir + " followed another cluster's log (id " + mine + "; the one at "
                        + log.root() + " is " + cluster + "): start this server with an empty --data to join, or move its state over with "
                        + "steward snapshot save (from a server on it alone) and steward snapshot restore --zookeeper");
            }
            if (mine == null) {
                boolean rows = local.hasRows();
                boolean empty = log.positions().isEmpty() && log.latestSnapshotPosition() < 0;
                if (rows && !empty) {
                    throw new IllegalStateException("the data directory " + dataDir + " holds a single server's state, and the cluster at " + log.root()
                            + " has its own: start this server with an empty --data to join it, or restore that state into the cluster "
                            + "(steward snapshot save from the single server, then steward snapshot restore --zookeeper)");
                }
                local.cluster(cluster);
            }
        }
    }

}
