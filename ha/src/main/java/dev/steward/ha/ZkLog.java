package dev.steward.ha;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The replicated command log and its snapshots in ZooKeeper, under one root:
 * <ul>
 * <li>{@code epoch}: its data version is the leader epoch. A new leader increments it before
 * anything else; every write below checks it in the same multi-op, so a deposed leader's writes
 * fail whole ({@link Fenced}).</li>
 * <li>{@code log/e-NNNNNNNNNN}: one entry per batch, positions from ZooKeeper's sequence.</li>
 * <li>{@code snapshots/s-NNNNNNNNNN}: a snapshot taken at that position; created after its parts,
 * so one that exists is whole.</li>
 * <li>{@code parts/...}: the chunks of an entry or snapshot larger than {@link #CHUNK}.</li>
 * </ul>
 * Entries and chunks stay under {@link #CHUNK} (512 KiB), half of ZooKeeper's default
 * {@code jute.maxbuffer}; the log is trimmed behind the newest snapshot, so what ZooKeeper holds
 * in memory is one snapshot and the entries after it.
 */
final class ZkLog {
    static final int CHUNK = 512 * 1024;
    private final CuratorFramework zk;
    private final String root;

    ZkLog(CuratorFramework zk, String root) {
        this.zk = zk;
        this.root = root;
    }

    String root() {
        return root;
    }

    private String epochPath() {
        return root + "/epoch";
    }

    /** Makes the root's nodes if absent. */
    void init() {
        for (String p : List.of(root, epochPath(), root + "/log", root + "/snapshots", root + "/parts", root + "/members", root + "/keyring")) {
            try {
                zk.create().creatingParentsIfNeeded().forPath(p, new byte[0]);
            } catch (KeeperException.NodeExistsException exists) {
                // made by another server, or an earlier start
            } catch (Exception e) {
                throw failed("prepare " + p, e);
            }
        }
    }

    /** Increments the leader epoch and returns it: from now on, only writes with it land. */
    int fence(String me) {
        while (true) {
            try {
                Stat s = new Stat();
                zk.getData().storingStatIn(s).forPath(epochPath());
                return zk.setData().withVersion(s.getVersion()).forPath(epochPath(), me.getBytes(StandardCharsets.UTF_8)).getVersion();
            } catch (KeeperException.BadVersionException raced) {
                // another server incremented it meanwhile: read again
            } catch (Exception e) {
                throw failed("take the leader epoch", e);
            }
        }
    }

    /**
     * Calls {@code onMoved} once the leader epoch is no longer {@code epoch} (another leader, or a
     * restore, took it): a leader with nothing to write learns it is deposed without writing.
     */
    void watchEpoch(int epoch, Runnable onMoved) {
        try {
            Stat s = new Stat();
            zk.getData().storingStatIn(s).usingWatcher((org.apache.curator.framework.api.CuratorWatcher) event -> {
                if (event.getType() == org.apache.zookeeper.Watcher.Event.EventType.NodeDataChanged
                        || event.getType() == org.apache.zookeeper.Watcher.Event.EventType.NodeDeleted) {
                    watchEpoch(epoch, onMoved); // reads the version again: moved, or re-armed
                }
            }).forPath(epochPath());
            if (s.getVersion() != epoch) {
                onMoved.run();
            }
        } catch (Exception e) {
            // ZooKeeper unreachable: the connection listener and the fenced writes take it from here
        }
    }

    /** The current epoch and who holds it. */
    String holder() {
        try {
            return new String(zk.getData().forPath(epochPath()), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw failed("read the leader epoch", e);
        }
    }

    /** Appends an entry if {@code epoch} is still the current one; returns its position. */
    long append(int epoch, long prev, byte[] data) {
        byte[] node = data.length <= CHUNK ? data : pointer(writeParts(epoch, "after-" + prev + "-" + UUID.randomUUID(), data));
        List<CuratorTransactionResult> r = fenced(epoch, create(root + "/log/e-", CreateMode.PERSISTENT_SEQUENTIAL, node));
        return position(r.get(1).getResultPath());
    }

    /** The positions of the entries in the log, oldest first. */
    List<Long> positions() {
        try {
            List<Long> out = new ArrayList<>();
            for (String c : zk.getChildren().forPath(root + "/log")) {
                out.add(position(c));
            }
            out.sort(null);
            return out;
        } catch (Exception e) {
            throw failed("list the log", e);
        }
    }

    /** The entry at {@code position}, its chunks joined. */
    byte[] read(long position) {
        return resolve(data(root + "/log/" + name("e-", position)));
    }

    /** Writes a snapshot taken at {@code position}, if {@code epoch} is still current. */
    void snapshot(int epoch, long position, byte[] data) {
        String parts = writeParts(epoch, "snap-" + position + "-" + UUID.randomUUID(), data);
        fenced(epoch, create(root + "/snapshots/" + name("s-", position), CreateMode.PERSISTENT, pointer(parts)));
    }

    record Snapshot(long position, byte[] data) {
    }

    /** The position of the newest whole snapshot, or -1 (reads names only). */
    long latestSnapshotPosition() {
        try {
            long newest = -1;
            for (String n : zk.getChildren().forPath(root + "/snapshots")) {
                newest = Math.max(newest, position(n));
            }
            return newest;
        } catch (Exception e) {
            throw failed("list the snapshots", e);
        }
    }

    /** The newest whole snapshot, if any. */
    Optional<Snapshot> latestSnapshot() {
        try {
            List<String> names = zk.getChildren().forPath(root + "/snapshots");
            if (names.isEmpty()) {
                return Optional.empty();
            }
            names.sort(null);
            String newest = names.get(names.size() - 1);
            return Optional.of(new Snapshot(position(newest), resolve(data(root + "/snapshots/" + newest))));
        } catch (KeeperException.NoNodeException trimmed) {
            return latestSnapshot(); // replaced by a newer one meanwhile
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw failed("read the snapshots", e);
        }
    }

    /**
     * Deletes the entries at or before {@code position} (the newest snapshot's), older snapshots, and
     * chunks nothing refers to any more, if {@code epoch} is still current. Returns how many entries went.
     */
    int trim(int epoch, long position) {
        try {
            List<CuratorOp> ops = new ArrayList<>();
            int entries = 0;
            for (long p : positions()) {
                if (p <= position) {
                    ops.add(zk.transactionOp().delete().forPath(root + "/log/" + name("e-", p)));
                    entries++;
                }
            }
            for (String s : zk.getChildren().forPath(root + "/snapshots")) {
                if (position(s) < position) {
                    ops.add(zk.transactionOp().delete().forPath(root + "/snapshots/" + s));
                }
            }
            List<String> partDirs = new ArrayList<>();
            for (String d : zk.getChildren().forPath(root + "/parts")) {
                String[] f = d.split("-", 3); // after-PREV-uuid or snap-POSITION-uuid
                if (Long.parseLong(f[1]) < position) {
                    partDirs.add(d);
                }
            }
            for (int i = 0; i < ops.size(); i += 100) { // multi-ops stay small; each checks the epoch
                List<CuratorOp> some = new ArrayList<>(ops.subList(i, Math.min(ops.size(), i + 100)));
                some.add(0, check(epoch));
                commit(some);
            }
            for (String d : partDirs) {
                List<CuratorOp> some = new ArrayList<>();
                some.add(check(epoch));
                for (String c : zk.getChildren().forPath(root + "/parts/" + d)) {
                    some.add(zk.transactionOp().delete().forPath(root + "/parts/" + d + "/" + c));
                }
                some.add(zk.transactionOp().delete().forPath(root + "/parts/" + d));
                commit(some);
            }
            return entries;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw failed("trim the log", e);
        }
    }

    private String writeParts(int epoch, String dir, byte[] data) {
        String path = root + "/parts/" + dir;
        fenced(epoch, create(path, CreateMode.PERSISTENT, new byte[0]));
        for (int i = 0, n = 0; i < data.length; i += CHUNK, n++) {
            fenced(epoch, create(path + "/" + name("p-", n), CreateMode.PERSISTENT,
                    Arrays.copyOfRange(data, i, Math.min(data.length, i + CHUNK))));
        }
        return path;
    }

    private static byte[] pointer(String partsPath) {
        return ("{\"parts\":\"" + partsPath + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Inline data is gzip (0x1f first); a pointer names the chunks' node. */
    private byte[] resolve(byte[] node) {
        if (node.length == 0 || node[0] != '{') {
            return node;
        }
        String s = new String(node, StandardCharsets.UTF_8);
        String path = s.substring(s.indexOf(":\"") + 2, s.lastIndexOf('"'));
        try {
            List<String> chunks = zk.getChildren().forPath(path);
            chunks.sort(null);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String c : chunks) {
                out.write(zk.getData().forPath(path + "/" + c));
            }
            return out.toByteArray();
        } catch (Exception e) {
            throw failed("read the chunks at " + path, e);
        }
    }

    private byte[] data(String path) {
        try {
            return zk.getData().forPath(path);
        } catch (RuntimeException e) {
            throw e;
        } catch (KeeperException.NoNodeException gone) {
            throw new Trimmed(path);
        } catch (Exception e) {
            throw failed("read " + path, e);
        }
    }

    /** The node was trimmed from under the reader: read a snapshot instead. */
    static final class Trimmed extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Trimmed(String path) {
            super(path + " was trimmed");
        }
    }

    private CuratorOp create(String path, CreateMode mode, byte[] data) {
        try {
            return zk.transactionOp().create().withMode(mode).forPath(path, data);
        } catch (Exception e) {
            throw failed("prepare " + path, e);
        }
    }

    private CuratorOp check(int epoch) {
        try {
            return zk.transactionOp().check().withVersion(epoch).forPath(epochPath());
        } catch (Exception e) {
            throw failed("prepare the epoch check", e);
        }
    }

    /** Writes {@code ops} whole, only while {@code epoch} is the leader epoch (else {@link Fenced}). */
    void fenced(int epoch, List<CuratorOp> ops) {
        List<CuratorOp> all = new java.util.ArrayList<>();
        all.add(check(epoch));
        all.addAll(ops);
        commit(all);
    }

    private List<CuratorTransactionResult> fenced(int epoch, CuratorOp op) {
        return commit(List.of(check(epoch), op));
    }

    private List<CuratorTransactionResult> commit(List<CuratorOp> ops) {
        try {
            return zk.transaction().forOperations(ops);
        } catch (KeeperException.BadVersionException e) {
            throw new Fenced("another server has taken over as leader (the leader epoch moved on): this one's writes are refused");
        } catch (KeeperException.ConnectionLossException e) {
            throw new Unavailable("the connection to ZooKeeper was lost while a change was sent: it may or may not have been written "
                    + "(it is whole either way); read it back before repeating it", e);
        } catch (Exception e) {
            throw failed("write to ZooKeeper", e);
        }
    }

    private static String name(String prefix, long position) {
        return prefix + String.format("%010d", position);
    }

    private static long position(String pathOrName) {
        int dash = pathOrName.lastIndexOf('-');
        return Long.parseLong(pathOrName.substring(dash + 1));
    }

    static IllegalStateException failed(String what, Exception e) {
        return new Unavailable("cannot " + what + " in ZooKeeper: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }

    /** ZooKeeper could not be reached or refused the operation (no quorum, session lost). */
    static final class Unavailable extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
