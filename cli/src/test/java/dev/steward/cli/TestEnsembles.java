package dev.steward.cli;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.util.ServiceUtils;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * A ZooKeeper ensemble for tests on ports no other socket of the machine is handed, as the HA
 * module's tests make theirs (see {@code dev.steward.ha.TestEnsembles} there, whose test classes
 * this module cannot see): ports from 10000 to 19999, below the ephemeral range an outgoing
 * connection may take a just-freed port from, and ZooKeeper's {@code System.exit} on a failed
 * bind only logged.
 */
final class TestEnsembles {
    static {
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
    }

    private TestEnsembles() {
    }

    private static int port() {
        for (int i = 0; i < 1000; i++) {
            int p = 10000 + ThreadLocalRandom.current().nextInt(10000);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress("127.0.0.1", p));
                return p;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port from 10000 to 19999");
    }

    /** {@code n} servers with this tick (ms) and client limit, not started. */
    static TestingCluster cluster(int n, int tickTime, int maxClients) {
        return new TestingCluster(IntStream.rangeClosed(1, n).mapToObj(i -> new InstanceSpec(null, port(), port(), port(), true, i, tickTime, maxClients))
                .toList());
    }
}
