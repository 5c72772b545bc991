package dev.steward.agent;

import dev.steward.api.HealthCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tasks share the machine's network, so another tenant's task could bind a port lent to this one
 * before this one's program does, and answer its health check. With the task's own uid known, the
 * check fails naming the squatter's uid, whatever the squatter answers: the task is never healthy
 * on someone else's socket, so the squatter is never listed as its service's endpoint. Every
 * port of the task is looked at, for every type of check, and alone for a task with no check. The
 * squatter is a real HTTP server run as another uid (nobody, 65534).
 */
class PortSquatTest {
    private static final int NOBODY = 65534;
    private static final HealthCheck HTTP = new HealthCheck("http", "/", "http", null, "5s", "2s", "0s", 1);
    private static final HealthCheck TCP = new HealthCheck("tcp", null, "http", null, "5s", "2s", "0s", 1);
    private Process squatter;

    @BeforeEach
    void root() {
        assumeTrue("root".equals(System.getProperty("user.name")), "a listener of another uid needs root (to run a process as another user)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed (.ci/run installs it)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
    }

    @AfterEach
    void stop() throws Exception {
        if (squatter != null) {
            squatter.destroyForcibly().waitFor();
        }
    }

    @Test
    void a_port_held_by_another_uids_socket_fails_the_check_whatever_it_answers() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        squatter = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "/usr/bin/python3", "-m", "http.server", Integer.toString(port), "--bind", "127.0.0.1").directory(Path.of("/").toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> HostPorts.listeners(port).contains(NOBODY) || !squatter.isAlive());
        assertThat(squatter.isAlive()).as("the squatter listens").isTrue();
        Map<String, Integer> ports = Map.of("http", port);

        assertThat(HealthProbe.failure(HTTP, ports, null, null)).as("its answers alone would pass the check").isNull();
        String held = "port http " + port + " is held by a socket of another user (uid " + NOBODY + "), not this task's (uid 61000)";
        assertThat(HealthProbe.failure(HTTP, ports, null, 61000)).isEqualTo(held);
        assertThat(HealthProbe.failure(TCP, ports, null, 61000)).isEqualTo(held);
        assertThat(HealthProbe.failure(HTTP, ports, null, NOBODY)).as("the task's own socket").isNull();
        // every port of the task, not only the check's, and whatever the check's type: a command check that passes fails too
        HealthCheck command = new HealthCheck("command", null, null, java.util.List.of("true"), "5s", "2s", "0s", 1);
        Map<String, Integer> two = Map.of("admin", port, "web", 1);
        String admin = "port admin " + port + " is held by a socket of another user (uid " + NOBODY + "), not this task's (uid 61000)";
        assertThat(HealthProbe.failure(command, two, new ProcessBuilder("true"), null)).as("its command alone passes").isNull();
        assertThat(HealthProbe.failure(command, two, new ProcessBuilder("true"), 61000)).isEqualTo(admin);
        assertThat(HealthProbe.squatted(two, 61000)).as("a task with no check: its ports alone").isEqualTo(admin);
        assertThat(HealthProbe.squatted(two, NOBODY)).isNull();
    }

    @Test
    void the_kernels_tables_say_whose_socket_listens_on_a_port() throws Exception {
        try (ServerSocket mine = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(HostPorts.listeners(mine.getLocalPort())).containsExactly(0);
            int closed = mine.getLocalPort();
            mine.close();
            assertThat(HostPorts.listeners(closed)).isEmpty();
        }
    }
}
