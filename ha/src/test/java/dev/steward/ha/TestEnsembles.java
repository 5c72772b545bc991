package dev.steward.ha;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.util.ServiceUtils;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * ZooKeeper for tests, on ports no other socket of the machine is handed. Curator's own picks a
 * free port from the OS and lets it go; the OS may then give the same port to any outgoing
 * connection (from the same ephemeral range), and a ZooKeeper quorum peer that cannot bind it
 * calls {@code System.exit(14)}: the test JVM died with "The forked VM terminated without
 * properly saying goodbye" in a CI run. Here the ports come from 10000 to 19999, below the
 * ephemeral range (32768 and up) and the ports the tests' agents lend (20000 and up), checked
 * free as they are chosen; and ZooKeeper's exits are logged instead of ending the JVM, so a
 * failure is a test's, with its reason. Public for the cli module's failover tests, through this
 * module's test jar.
 */
public final class TestEnsembles {
    /**
     * Where this JVM's ZooKeeper servers keep their data and the configuration file ZooKeeper's
     * embedded server writes next to it. Curator's default puts both straight in the temporary
     * directory, and nothing ever removed the configuration files: 1,228 of them had gathered in
     * /tmp. Removed when the JVM exits; a JVM killed before that leaves it for the next to sweep.
     */
    private static final Path ROOT;

    static {
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
        Path parent = Path.of(System.getProperty("java.io.tmpdir"), "steward-zk-tests");
        try {
            Files.createDirectories(parent);
            sweep(parent);
            ROOT = Files.createDirectories(parent.resolve(String.valueOf(ProcessHandle.current().pid())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(ROOT), "steward-zk-tests-cleanup"));
    }

    private TestEnsembles() {
    }

    /** A port from 10000 to 19999 that nothing listens on now. */
    public static int port() {
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

    private static InstanceSpec spec(int id, int tickTime, int maxClients) {
        try {
            File data = Files.createTempDirectory(ROOT, "zk-" + id + "-").toFile();
            return new InstanceSpec(data, port(), port(), port(), true, id, tickTime, maxClients);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes what JVMs no longer running left (the directory of each is named by its pid). */
    private static void sweep(Path parent) throws IOException {
        try (var dirs = Files.list(parent)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                if (!name.matches("\\d+") || ProcessHandle.of(Long.parseLong(name)).isEmpty()) {
                    delete(d);
                }
            }
        }
    }

    private static void delete(Path dir) {
        try (var all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException gone) {
            // already removed, or being removed by another: best effort
        }
    }

    /** A started-later ensemble of {@code n} servers (ZooKeeper's own tick and client limits). */
    public static TestingCluster cluster(int n) {
        return cluster(n, -1, -1);
    }

    /** A started-later ensemble of {@code n} servers with this tick (ms) and client limit. */
    public static TestingCluster cluster(int n, int tickTime, int maxClients) {
        return new TestingCluster(IntStream.rangeClosed(1, n).mapToObj(i -> spec(i, tickTime, maxClients)).toList());
    }

    /** One server, started. */
    public static TestingServer server() throws Exception {
        return new TestingServer(spec(1, -1, -1), true);
    }
}
