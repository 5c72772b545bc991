package dev.steward.ha;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.http.ApiResponse;
import dev.steward.allocator.store.SecretKeys;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A rotation of the secrets key across the allocators of one cluster ({@code steward secrets
 * rotate-key} on the leader). Every server holds a copy of the keyring (or shares one file), the
 * log carries secrets sealed with the active key, and any server may lead next: so a new key is
 * held by every server before anything is sealed with it, and the old ones go only once nothing
 * needs them. Under {@code ROOT/keyring}:
 * <ol>
 * <li>The leader makes a key (held, not active) and writes it to {@code next}, sealed with the
 * active key every server holds.</li>
 * <li>Each server that runs ({@code ROOT/members}) takes it into its keyring, durably, and says so
 * with a child of {@code next} (so no acknowledgement outlives the key it was for); a server that starts meanwhile takes it as it starts. The leader waits for
 * every one, for a bounded time (else 503 naming those it waits for; nothing is sealed with the
 * key yet, and the next {@code rotate-key} goes on with it).</li>
 * <li>The leader makes it active, seals every secret again in one entry of the log, and then,
 * in one write fenced by its leader epoch, seals the cluster's tokens again, writes the key's id
 * to {@code active} and removes {@code next}; then it drops its old keys.</li>
 * <li>Each follower, seeing {@code next} gone, makes {@code active}'s key active and drops the
 * others. What its store holds sealed with an old key is sealed anew by that entry of the log
 * before it could lead (a leader catches up first). A server taking over does the same first
 * ({@link #settle}): it may not have seen the last rotation end.</li>
 * </ol>
 * Every write to ZooKeeper here is fenced by the leader epoch, so a deposed leader cannot hand a
 * key over or end a rotation under the next leader.
 * A leader killed at any step leaves a state every server can open (both keys held everywhere),
 * and the next leader finishes the same key as it takes over (or, if that finds a server that
 * does not answer, the next {@code rotate-key} does). A server that
 * was down through a whole rotation holds only the old key, and refuses to start until it is given
 * the cluster's key file, as a new server with the wrong key is.
 */
final class KeyHandover {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(KeyHandover.class.getName());

    private final CuratorFramework zk;
    private final ZkLog log;
    private final String root;
    private final SecretKeys keys;
    private final Duration wait;

    KeyHandover(CuratorFramework zk, ZkLog log, SecretKeys keys, Duration wait) {
        this.zk = zk;
        this.log = log;
        this.root = log.root();
        this.keys = keys;
        this.wait = wait;
    }

    private String next() {
        return root + "/keyring/next";
    }

    private String active() {
        return root + "/keyring/active";
    }

    /** The key being handed over, or null. */
    private Map<String, String> pending() throws Exception {
        try {
            @SuppressWarnings("unchecked")
            Map<String, String> m = JSON.readValue(zk.getData().forPath(next()), Map.class);
            return m;
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** Takes the key being handed over into this server's keyring, if there is one; true if there is. */
    private boolean take(Map<String, String> p) throws IOException {
        if (p == null) {
            return false;
        }
        if (!keys.has(p.get("id"))) {
            keys.add(keys.open("keyring", p.get("id"), p.get("key")));
            LOG.info("took key " + p.get("id") + " into the secrets keyring (the leader is rotating it)");
        }
        return true;
    }

    /** As a server starts, before it opens what is sealed in ZooKeeper: a key being handed over is taken. */
    synchronized void atStart() throws Exception {
        take(pending());
    }

    /**
     * On a server that does not lead, now and then: a key being handed over is taken and
     * acknowledged as {@code member}; once the handover is done, its key becomes active and the
     * others go.
     */
    synchronized void follow(String member, Supplier<Boolean> leads) throws Exception {
        if (!leads.get()) {
            settle(member);
        }
    }

    /**
     * As {@link #follow}, whether or not this server leads: also as it takes over, before it
     * opens or seals anything, since it may not have seen the last rotation end (its old key
     * still active, which the others have dropped).
     */
    synchronized void settle(String member) throws Exception {
        Map<String, String> p = pending();
        if (p != null && !keys.has(p.get("id"))) {
            keys.reload(); // one key file shared with the leader: it may hold the key already
        }
        if (take(p)) {
            try { // under the handover's own node: an acknowledgement can never outlive it and count for the next key
                zk.create().forPath(next() + "/" + member);
            } catch (KeeperException.NodeExistsException done) {
                // acknowledged before
            } catch (KeeperException.NoNodeException over) {
                // the handover ended meanwhile
            }
            return;
        }
        agreed();
    }

    /** No rotation under way: the key the last one made active is made active here too, and the others go. */
    private void agreed() throws Exception {
        String id;
        try {
            id = new String(zk.getData().forPath(active()), StandardCharsets.UTF_8);
        } catch (KeeperException.NoNodeException never) {
            return; // never rotated on ZooKeeper
        }
        if (id.equals(keys.active()) && keys.ids().size() == 1) {
            return; // as agreed: no file read
        }
        keys.reload(); // a shared file may be as agreed already
        if (keys.has(id) && (!id.equals(keys.active()) || keys.ids().size() > 1)) {
            keys.activate(id);
            keys.retire();
            LOG.info("secrets key " + id + " is active; the older keys were dropped (the leader rotated it)");
        }
    }

    /**
     * On the leader: rotates the key as the class says, waiting for the other servers on this
     * thread (the caller's own, never Jetty's or the engine's). {@code reseal} seals every secret
     * again through the replicated log; {@code tokens} are sealed again in ZooKeeper. With
     * {@code onlyUnderWay}, only a rotation a leader began and did not finish is gone on with (null
     * if there is none): what a server taking over does, so no rotation stays half done after a
     * leader died. The keyring is as the cluster agreed it: the leader settled it after it fenced.
     */
    synchronized ApiResponse rotate(String self, int epoch, Supplier<int[]> reseal, ClusterTokens.Tokens tokens, boolean onlyUnderWay) throws Exception {
        keys.reload();
        List<String> retiring = new ArrayList<>(keys.ids());
        Map<String, String> p = pending();
        if (p == null && onlyUnderWay) {
            return null;
        }
        String id;
        if (p == null) {
            id = keys.prepare();
            byte[] data = JSON.writeValueAsBytes(Map.of("id", id, "key", keys.seal("keyring", id, keys.export(id))));
            log.fenced(epoch, List.of(zk.transactionOp().create().forPath(next(), data))); // a deposed leader hands nothing over
        } else {
            take(p);
            id = p.get("id"); // a rotation a leader began and did not finish: it goes on with the same key
        }
        retiring.remove(id);
        long deadline = System.nanoTime() + wait.toNanos();
        List<String> missing;
        while (!(missing = missing(self)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                List<String> named = new ArrayList<>();
                missing.forEach(m -> named.add(java.net.URLDecoder.decode(m, StandardCharsets.UTF_8)));
                return ApiResponse.problem(503, "Service Unavailable", "the new secrets key " + id + " was handed to every allocator, and "
                        + String.join(", ", named) + " did not take it within " + wait.toSeconds() + " s (cut off from ZooKeeper, or stuck). Nothing is "
                        + "sealed with it yet and every secret opens as before. Run rotate-key again once they answer, or stop them: it goes on "
                        + "with the same key", null).header("Retry-After", "10");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        keys.activate(id);
        int[] n = reseal.get();
        // in one fenced write: the cluster's tokens sealed with the new key, the key recorded as the cluster's, the handover removed
        List<org.apache.curator.framework.api.transaction.CuratorOp> ops = new ArrayList<>();
        ops.add(zk.transactionOp().setData().forPath(root + "/cluster", ClusterTokens.sealed(keys, tokens)));
        byte[] activeId = id.getBytes(StandardCharsets.UTF_8);
        ops.add(zk.checkExists().forPath(active()) == null ? zk.transactionOp().create().forPath(active(), activeId)
                : zk.transactionOp().setData().forPath(active(), activeId));
        for (String a : zk.getChildren().forPath(next())) { // the acknowledgements (one more meanwhile fails it whole: run again)
            ops.add(zk.transactionOp().delete().forPath(next() + "/" + a));
        }
        ops.add(zk.transactionOp().delete().forPath(next()));
        log.fenced(epoch, ops);
        keys.retire(); // after: a leader deposed meanwhile keeps the old keys, which a later settle drops
        LOG.info("rotated the secrets key to " + id + " on every allocator; dropped " + retiring);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("activeKey", id);
        out.put("retiredKeys", String.join(", ", retiring));
        out.put("tasksResealed", n[0]);
        out.put("serviceSecretsResealed", n[1]);
        return ApiResponse.json(200, out);
    }

    /** The servers that run and have not acknowledged the key being handed over, this one ({@code self}) aside. */
    private List<String> missing(String self) throws Exception {
        List<String> acked = zk.getChildren().forPath(next());
        List<String> out = new ArrayList<>();
        for (String m : zk.getChildren().forPath(root + "/members")) {
            if (!m.equals(self) && !acked.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }
}
