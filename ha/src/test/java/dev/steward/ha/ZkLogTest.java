package dev.steward.ha;

import dev.steward.allocator.store.Store;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The log in a real ZooKeeper: fencing by epoch, chunks past the node limit, snapshots and trimming. */
class ZkLogTest {
    private TestZooKeeper server;
    private CuratorFramework zk;
    private ZkLog log;

    @BeforeEach
    void start() throws Exception {
        server = TestEnsembles.server();
        zk = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        zk.start();
        zk.blockUntilConnected();
        log = new ZkLog(zk, "/steward");
        log.init();
    }

    @AfterEach
    void stop() throws Exception {
        zk.close();
        server.close();
    }

    private static byte[] entry(long prev, int epoch, String row) {
        return LogCodec.entry(new LogCodec.Entry(prev, epoch, new Store.RowBatch(1, 1, 1,
                Map.of(Store.Table.ROLES, Map.of("r", row)), Set.of())));
    }

    @Test
    void a_deposed_leaders_append_is_refused_whole_and_the_new_leaders_lands() {
        int first = log.fence("a");
        long p1 = log.append(first, 0, entry(0, first, "{\"x\":1}"));
        int second = log.fence("b");
        assertThat(second).isGreaterThan(first);
        assertThatThrownBy(() -> log.append(first, p1, entry(p1, first, "{\"x\":2}"))).isInstanceOf(Fenced.class)
                .hasMessageContaining("another server has taken over");
        long p2 = log.append(second, p1, entry(p1, second, "{\"x\":3}"));
        assertThat(log.positions()).containsExactly(p1, p2);
        assertThat(LogCodec.entry(log.read(p2)).rows().puts().get(Store.Table.ROLES).get("r")).isEqualTo("{\"x\":3}");
        assertThat(log.holder()).isEqualTo("b");
    }

    @Test
    void an_entry_larger_than_a_node_is_chunked_and_read_back_whole() {
        int epoch = log.fence("a");
        byte[] big = new byte[ZkLog.CHUNK * 3 + 17];
        new Random(7).nextBytes(big); // incompressible: three chunks and a bit
        big[0] = 0x1f;
        long p = log.append(epoch, 0, big);
        assertThat(log.read(p)).isEqualTo(big);
    }

    @Test
    void trimming_behind_a_snapshot_leaves_the_snapshot_and_later_entries_and_a_deposed_leader_cannot_trim() {
        int epoch = log.fence("a");
        long prev = 0;
        for (int i = 0; i < 5; i++) {
            prev = log.append(epoch, prev, entry(prev, epoch, "{\"i\":" + i + "}"));
        }
        List<Long> all = log.positions();
        long at = all.get(2);
        log.snapshot(epoch, at, new byte[] {0x1f, 1, 2, 3});
        assertThat(log.trim(epoch, at)).isEqualTo(3);
        assertThat(log.positions()).containsExactlyElementsOf(all.subList(3, 5));
        assertThat(log.latestSnapshot()).hasValueSatisfying(s -> {
            assertThat(s.position()).isEqualTo(at);
            assertThat(s.data()).containsExactly(0x1f, 1, 2, 3);
        });
        log.fence("b");
        assertThatThrownBy(() -> log.trim(epoch, all.get(4))).isInstanceOf(Fenced.class);
        assertThat(log.positions()).containsExactlyElementsOf(all.subList(3, 5));
    }
}
