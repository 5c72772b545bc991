package dev.steward.agent;

import dev.steward.api.HealthCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP health checks against tasks that answer as an attacker would, on real sockets. The agent's
 * probe threads are shared by every task on it, so each try must end by its check's timeout.
 */
class HealthProbeTest {
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A task's HTTP endpoint on loopback that reads each request's head and then does {@code answer}. */
    private int task(Consumer<OutputStream> answer) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket sock = server.accept();
                    open.add(sock);
                    Thread each = new Thread(() -> {
                        try {
                            InputStream in = sock.getInputStream();
                            for (int state = 0, b; state < 4 && (b = in.read()) >= 0; ) { // until the blank line that ends the head
                                state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
                            }
                            answer.accept(sock.getOutputStream());
                        } catch (IOException e) {
                            // the probe hung up
                        }
                    });
                    each.setDaemon(true);
                    each.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    private static boolean probe(int port) {
        return HealthProbe.probe(new HealthCheck("http", "/healthz", "http", null, "5s", "1s", "0s", 1), Map.of("http", port), null);
    }

    @Test
    void a_task_that_answers_at_once_passes() throws Exception {
        int port = task(out -> {
            try {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // hung up on
            }
        });
        assertThat(probe(port)).isTrue();
    }

    @Test
    void a_task_that_sends_its_answer_a_byte_at_a_time_fails_at_the_checks_timeout_not_when_it_chooses() throws Exception {
        // each byte comes within the read timeout, so the read timeout alone never fires: 200 bytes would take 60 s
        int port = task(out -> {
            try {
                for (byte b : ("HTTP/1.1 200 OK\r\nX-Slow: " + "x".repeat(200)).getBytes(StandardCharsets.US_ASCII)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(300);
                }
            } catch (IOException | InterruptedException e) {
                // hung up on
            }
        });
        long t0 = System.nanoTime();
        assertThat(HealthProbe.failure(HTTP, Map.of("http", port), null, null)).isEqualTo("no answer within 1s");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    private static final HealthCheck HTTP = new HealthCheck("http", "/healthz", "http", null, "5s", "1s", "0s", 1);

    @Test
    void a_failed_try_says_what_failed_for_the_tasks_reason() throws Exception {
        // "health check failed 3 times in a row" told a user nothing to act on; what the last try got does
        int sick = task(out -> {
            try {
                out.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // hung up on
            }
        });
        assertThat(HealthProbe.failure(HTTP, Map.of("http", sick), null, null)).isEqualTo("HTTP 503");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(HealthProbe.failure(HTTP, Map.of("http", closed), null, null)).isEqualTo("connection refused");
        HealthCheck tcp = new HealthCheck("tcp", null, "http", null, "5s", "1s", "0s", 1);
        assertThat(HealthProbe.failure(tcp, Map.of("http", closed), null, null)).isEqualTo("connection refused");
        assertThat(HealthProbe.failure(tcp, Map.of("http", sick), null, null)).isNull();
        HealthCheck cmd = new HealthCheck("command", null, null, List.of("sh", "-c", "exit 3"), "5s", "1s", "0s", 1);
        assertThat(HealthProbe.failure(cmd, Map.of(), new ProcessBuilder("sh", "-c", "exit 3"), null)).isEqualTo("exit code 3");
        assertThat(HealthProbe.failure(cmd, Map.of(), new ProcessBuilder("sleep", "30"), null)).isEqualTo("did not finish within 1s");
        assertThat(HealthProbe.failure(cmd, Map.of(), new ProcessBuilder("true"), null)).isNull();
    }

    /**
     * A squatter that binds the task's port just after the shared read of the socket tables (which
     * checks reuse for up to {@link HealthProbe#LISTENERS_MAX_AGE}) answers the try, and is caught
     * by the read made after it: the try does not pass. Before, the check looked only before its
     * try, in the shared read, and a task was healthy on the squatter's answers until the next try
     * (TenantIsolationTest saw one so for 8 s, its failures then in the grace). The squatter here is
     * this JVM's own socket, of another uid than the task's.
     */
    @Test
    void a_squatter_that_binds_just_after_the_shared_read_does_not_make_the_try_pass() throws Exception {
        int me = (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
        int task = me == 61000 ? 61001 : 61000;
        HealthCheck tcp = new HealthCheck("tcp", null, "http", null, "5s", "1s", "0s", 1);
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Map<String, Integer> ports = Map.of("http", port);
        assertThat(HealthProbe.squatted(ports, task)).as("no one holds it: the shared read says so").isNull();
        try (ServerSocket squatter = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) { // microseconds later
            HealthProbe.Tried t = HealthProbe.tried(tcp, ports, null, task);
            assertThat(t.failure()).isEqualTo("port http " + port + " is held by a socket of another user (uid " + me + "), not this task's (uid " + task + ")");
            assertThat(t.squat()).isTrue();
            assertThat(HealthProbe.tried(tcp, ports, null, me)).as("its own socket passes").isEqualTo(HealthProbe.Tried.PASSED);
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(HealthProbe.tried(tcp, Map.of("http", closed), null, task)).as("a plain failure is no squat")
                .isEqualTo(new HealthProbe.Tried("connection refused", false));
    }

    /**
     * Passing checks at any rate read the socket tables at most every {@link HostPorts#SINCE_GAP}
     * (each read walks the kernel's whole table): 8 threads asking as fast as they can for a read
     * begun after they asked share reads, and each gets one begun after it asked.
     */
    @Test
    void reads_made_after_passing_tries_are_shared_and_at_most_one_per_gap() throws Exception {
        long before = HostPorts.READS.get();
        long start = System.nanoTime();
        long runFor = java.time.Duration.ofMillis(600).toNanos();
        java.util.concurrent.atomic.AtomicLong asked = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() - start < runFor) {
                    HostPorts.listenersSince(1, System.nanoTime());
                    asked.incrementAndGet();
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        long took = System.nanoTime() - start;
        long reads = HostPorts.READS.get() - before;
        assertThat(reads).as("%d asks in %d ms", asked.get(), took / 1_000_000)
                .isLessThanOrEqualTo(took / HostPorts.SINCE_GAP.toNanos() + 4); // + 4: an agent of another test of this JVM may read too
        assertThat(asked.get()).as("asks share reads").isGreaterThan(3 * reads);
    }
}
