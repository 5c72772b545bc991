package dev.steward.ha;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tests' ZooKeeper cannot end the test JVM, and never gives two servers one port. Before, a
 * server that could not bind its port ended the JVM (ZooKeeper's {@code System.exit(2)}), and
 * with it every test of the module: this class did not finish then.
 */
class TestEnsemblesTest {
    @Test
    void no_port_is_handed_out_twice_in_one_jvm() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            int p = TestEnsembles.port();
            assertThat(p).isBetween(10000, 19999);
            assertThat(seen.add(p)).as("port %d handed out twice", p).isTrue();
        }
    }

    @Test
    void a_server_whose_port_is_taken_fails_its_start_and_the_jvm_and_the_other_servers_go_on() throws Exception {
        try (TestZooKeeper zk = TestEnsembles.server(); TestZooKeeper blocked = TestEnsembles.cluster(1).withStartTimeout(Duration.ofSeconds(5))) {
            InstanceSpec spec = blocked.getInstances().iterator().next();
            try (ServerSocket taken = new ServerSocket()) {
                taken.bind(new InetSocketAddress(spec.getPort()));
                // ZooKeeper's server ends its run with a BindException and asks for System.exit(2)
                assertThatThrownBy(blocked::start).isInstanceOf(Exception.class);
            }
            try (CuratorFramework c = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
                c.start();
                assertThat(c.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
                c.create().forPath("/still-here", new byte[] {1});
                assertThat(c.getData().forPath("/still-here")).containsExactly(1);
            }
        }
    }
}
