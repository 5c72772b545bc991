package dev.steward.ha;

import java.time.Duration;

/**
 * How an allocator joins the others: ZooKeeper's connect string ({@code host:port,...}), the root
 * under which the allocators keep their election, log and snapshots, ZooKeeper's session timeout
 * (a leader that is silent for longer is deposed), the URL the others and clients reach this
 * server at (null: its bound address), how many log entries go between snapshots, and how long a
 * secrets key rotation waits for every running allocator to take the new key.
 */
public record HaConfig(String zookeeper, String root, Duration sessionTimeout, String advertise, int snapshotEvery, Duration keyHandover) {
    public HaConfig {
        if (zookeeper == null || zookeeper.isBlank()) {
            throw new IllegalArgumentException("zookeeper: give host:port[,host:port...]");
        }
        if (root == null || !root.startsWith("/") || root.endsWith("/") || root.length() < 2) {
            throw new IllegalArgumentException("zk-root: an absolute ZooKeeper path such as /steward, not '" + root + "'");
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(2)) < 0 || sessionTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("zk-session-timeout: between 2s and 5m, not " + sessionTimeout);
        }
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("snapshot-every: at least 1 entry, not " + snapshotEvery);
        }
    }

    /** How long a key rotation waits, by default, for every running allocator to take the new key. */
    public static final Duration KEY_HANDOVER = Duration.ofSeconds(30);

    public static HaConfig of(String zookeeper) {
        return new HaConfig(zookeeper, "/steward", Duration.ofSeconds(10), null, 1000, KEY_HANDOVER);
    }

    public HaConfig withRoot(String r) {
        return new HaConfig(zookeeper, r, sessionTimeout, advertise, snapshotEvery, keyHandover);
    }

    public HaConfig withSessionTimeout(Duration t) {
        return new HaConfig(zookeeper, root, t, advertise, snapshotEvery, keyHandover);
    }

    public HaConfig withAdvertise(String url) {
        return new HaConfig(zookeeper, root, sessionTimeout, url, snapshotEvery, keyHandover);
    }

    public HaConfig withSnapshotEvery(int n) {
        return new HaConfig(zookeeper, root, sessionTimeout, advertise, n, keyHandover);
    }

    /** How long a key rotation waits for every running allocator to take the new key (tests shorten it). */
    public HaConfig withKeyHandover(Duration d) {
        return new HaConfig(zookeeper, root, sessionTimeout, advertise, snapshotEvery, d);
    }
}
