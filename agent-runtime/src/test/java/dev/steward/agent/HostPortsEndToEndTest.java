package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real agent whose host holds some of the ports it lends (another program, a second
 * {@code steward dev}): the allocator lends none of them, and a task whose port was taken after
 * it was lent fails at once with the reason instead of an EADDRINUSE inside the task.
 */
class HostPortsEndToEndTest {
    private Cluster c;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    /**
     * The first of three consecutive ports that can all be bound now, from 10000 to 19999: below
     * the ephemeral range (32768 and up), from which the OS hands local ports to outgoing
     * connections and DNS lookups, so no connection of this JVM takes one before the task binds it.
     */
    private static int threeFreePorts() throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            int p = 10000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(9990);
            try (ServerSocket a = new ServerSocket(p); ServerSocket b = new ServerSocket(p + 1); ServerSocket d = new ServerSocket(p + 2)) {
                return p;
            } catch (java.io.IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no three consecutive free ports found");
    }

    @Test
    void portsHeldOnTheHostAreNotLentAndATaskOnATakenPortFailsSayingWhich() throws Exception {
        int p = threeFreePorts();
        try (ServerSocket stranger = new ServerSocket()) {
            stranger.bind(new InetSocketAddress("0.0.0.0", p));
            c = new Cluster();
            c.agent("m1", Map.of("ports", p + "-" + (p + 2)));
            Instant bound = Instant.now();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonNode a = c.call("GET", "/v1/agents", null).get(0);
                return a != null && Instant.parse(a.path("lastHeartbeat").asText()).isAfter(bound.plusMillis(100));
            });
            JsonNode three = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\",\"ports\":[\"a\",\"b\",\"c\"]}");
            assertThat(three.path("state").asText()).as("%s", three).isEqualTo("PENDING");
            assertThat(three.path("why").path("summary").asText()).contains("insufficient free ports");
            c.call("DELETE", "/v1/requests/" + three.path("id").asText(), null);

            JsonNode two = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\",\"ports\":[\"http\",\"db\"]}");
            String alloc = two.path("allocations").get(0).asText();
            JsonNode ports = c.call("GET", "/v1/allocations/" + alloc, null).path("ports");
            assertThat(ports.path("http").asInt()).isNotEqualTo(p);
            assertThat(ports.path("db").asInt()).isNotEqualTo(p);

            int http = ports.path("http").asInt();
            try (ServerSocket late = new ServerSocket()) { // taken after it was lent, before the task starts
                late.bind(new InetSocketAddress("127.0.0.1", http));
                String t = c.task(alloc, "{\"name\":\"web\",\"command\":\"sh\",\"args\":[\"-c\",\"sleep 30\"]}");
                await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("state").asText().equals("FAILED"));
                assertThat(c.taskInfo(t).path("reason").asText()).contains("port http " + http + " is in use on this host");
                assertThat(c.taskInfo(t).path("hostFault").asBoolean()).as("the host's failure, not the task's: a service replaces it").isTrue();
            }
        }
    }
}
