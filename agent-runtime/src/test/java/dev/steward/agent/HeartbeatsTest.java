package dev.steward.agent;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Heartbeats against a real HTTP server: a beat that fails in an unexpected way (not an I/O error)
 * is a missed beat, and the next ones go on. Before, such a failure left the heartbeat job, and the
 * executor dropped it for good: the agent ran on, silent, and the allocator took it for lost.
 */
class HeartbeatsTest {
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
    private HttpServer server;

    @AfterEach
    void stop() {
        beats.shutdownNow();
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void a_beat_that_fails_unexpectedly_is_missed_and_the_next_ones_go_on() throws Exception {
        AtomicInteger heard = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/agents/a1/heartbeat", ex -> {
            ex.getRequestBody().readAllBytes();
            heard.incrementAndGet();
            byte[] b = "{}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        AllocatorClient client = new AllocatorClient("http://127.0.0.1:" + server.getAddress().getPort(), "sta_token", null, false,
                Duration.ofSeconds(5), Duration.ofSeconds(1));
        AtomicInteger asked = new AtomicInteger();
        // the usage the loop measured: the first read fails as no I/O error does
        Heartbeats h = new Heartbeats(client, "a1", () -> {
            if (asked.incrementAndGet() == 1) {
                throw new IllegalStateException("a figure that could not be read");
            }
            return Map.of("cpus", 1L);
        }, List.of(), new AgentMetrics());
        beats.scheduleWithFixedDelay(h, 0, 20, TimeUnit.MILLISECONDS);

        await().atMost(Duration.ofSeconds(20)).until(() -> heard.get() >= 3);
        assertThat(asked.get()).isGreaterThanOrEqualTo(4);
    }
}
