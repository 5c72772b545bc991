package dev.steward.ha;

import org.apache.curator.test.InstanceSpec;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * ZooKeeper for tests ({@link TestZooKeeper}), on ports no other socket of the machine is handed
 * and no other server of this JVM was. Curator's own picks a free port from the OS and lets it go;
 * the OS may then give the same port to any outgoing connection (from the same ephemeral range).
 * Here the ports come from 10000 to 19999, below the ephemeral range (32768 and up) and the ports
 * the tests' agents lend (20000 and up), checked free as they are chosen, and never handed twice
 * in one JVM: drawn at random and only checked free, two of an ensemble's nine ports could be the
 * same (about one ensemble in 280, by the birthday bound), and the server that came second could
 * not bind its port. Public for
 * the cli module's failover tests, through this module's test jar.
 */
public final class TestEnsembles {
    /**
     * Where this JVM's ZooKeeper servers keep their data and the configuration file ZooKeeper's
     * embedded server writes next to it. Curator's default puts both straight in the temporary
     * directory, and nothing ever removed the configuration files: 1,228 of them had gathered in
     * /tmp. Removed when the JVM exits; a JVM killed before that leaves it for the next to sweep.
     */
    private static final Path ROOT;

    /** Every port this JVM has handed out: a killed server restarts on its own, nobody else gets them. */
    private static final Set<Integer> HANDED = new HashSet<>();

    static {
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

    /** A port from 10000 to 19999 that nothing listens on now and that this JVM never handed out before. */
    public static synchronized int port() {
        for (int i = 0; i < 1000; i++) {
            int p = 10000 + ThreadLocalRandom.current().nextInt(10000);
            if (HANDED.contains(p)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress("127.0.0.1", p));
                HANDED.add(p);
                return p;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port from 10000 to 19999");
    }

    private static InstanceSpec spec(int id, int tickTime, int maxClients) {
        try {
            File data = Files.createDirectory(Files.createTempDirectory(ROOT, "zk-" + id + "-").resolve("data")).toFile();
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

    static void delete(Path dir) {
        try (var all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException gone) {
            // already removed, or being removed by another: best effort
        }
    }

    /** A started-later ensemble of {@code n} servers (ZooKeeper's own tick and client limits). */
    public static TestZooKeeper cluster(int n) {
        return cluster(n, -1, -1);
    }

    /** A started-later ensemble of {@code n} servers with this tick (ms) and client limit. */
    public static TestZooKeeper cluster(int n, int tickTime, int maxClients) {
        return new TestZooKeeper(IntStream.rangeClosed(1, n).mapToObj(i -> spec(i, tickTime, maxClients)).toList());
    }

    /** One server, started. */
    public static TestZooKeeper server() throws Exception {
        TestZooKeeper one = cluster(1);
        try {
            one.start();
        } catch (Exception e) {
            one.close();
            throw e;
        }
        return one;
    }
}
