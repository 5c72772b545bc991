package dev.steward.ha;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.store.SecretKeys;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

import java.util.Map;

/**
 * The admin, join and peer tokens every allocator of a cluster answers to, kept in ZooKeeper sealed
 * with the secrets key (so ZooKeeper's readers do not learn them). The first server to start
 * puts its own; the others take them, and a server whose secrets key cannot open them refuses to
 * start: every server needs the same keys, since the log carries task secrets sealed with them.
 */
final class ClusterTokens {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The cluster's id, its admin and join tokens, and the one allocators use with each other (to copy packages). */
    record Tokens(String id, String admin, String join, String peer) {
    }

    private ClusterTokens() {
    }

    /** The cluster's tokens as kept in ZooKeeper ({@code ROOT/cluster}): sealed with the active key. */
    static byte[] sealed(SecretKeys keys, Tokens t) throws java.io.IOException {
        return JSON.writeValueAsBytes(Map.of("id", t.id(), "admin", keys.seal("cluster", "admin", t.admin()), "join", keys.seal("cluster", "join", t.join()),
                "peer", keys.seal("cluster", "peer", t.peer())));
    }

    static Tokens agree(CuratorFramework zk, String root, SecretKeys keys, Tokens mine) {
        String path = root + "/cluster";
        try {
            byte[] data = sealed(keys, mine);
            try {
                zk.create().forPath(path, data);
                return mine;
            } catch (KeeperException.NodeExistsException taken) {
                @SuppressWarnings("unchecked")
                Map<String, String> m = JSON.readValue(zk.getData().forPath(path), Map.class);
                try {
                    return new Tokens(m.get("id"), keys.open("cluster", "admin", m.get("admin")), keys.open("cluster", "join", m.get("join")),
                            keys.open("cluster", "peer", m.get("peer")));
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("this server's secrets key cannot open the cluster's tokens in ZooKeeper (" + e.getMessage()
                            + "): every allocator of one cluster needs the cluster's keys. Copy the key file of a server that runs in the cluster now (its "
                            + "--secrets-key, DATA/secrets.key by default) and pass it with --secrets-key; a key rotated while this server was down is "
                            + "not in its old copy", e);
                }
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw ZkLog.failed("agree on the cluster's tokens at " + path, e);
        }
    }
}
