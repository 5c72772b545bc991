package dev.steward.agent;

import dev.steward.api.AgentRegistration.PortRange;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The host's own view of its ports: a real listening socket is seen busy and cannot be lent to a task. */
class HostPortsTest {

    @Test
    void aListeningSocketIsReportedBusyAndATaskCannotStartOnIt() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "/proc/net/tcp is not readable here");
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = held.getLocalPort();
            List<PortRange> ranges = List.of(new PortRange(port - 1, port + 1));
            assertThat(HostPorts.busy(ranges)).contains(port);
            assertThat(HostPorts.busy(List.of(new PortRange(port + 1, port + 1)))).doesNotContain(port);
            assertThat(HostPorts.firstTaken(Map.of("http", port))).isEqualTo("http " + port);
        }
        // a port below the ephemeral range (32768 and up): an outgoing connection or a DNS lookup of this JVM cannot take it meanwhile
        int free = -1;
        for (int p = 10000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(9000); free < 0; p++) {
            try (ServerSocket s = new ServerSocket(p); java.net.DatagramSocket d = new java.net.DatagramSocket(p)) {
                free = p;
            } catch (java.io.IOException taken) {
                // the next one
            }
        }
        assertThat(HostPorts.firstTaken(Map.of("http", free))).isNull();
    }
}
