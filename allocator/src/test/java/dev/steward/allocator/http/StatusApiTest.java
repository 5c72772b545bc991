package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /v1/status} counts and sums what the state holds, and follows every change: an
 * agent joining, an allocation placed and released, a request left pending, a drain, an agent
 * lost. The allocator keeps the status it summed until the index moves, so each step here
 * checks that what it changed moved the index and the answer with it, and that a read with no
 * change between answers the same.
 */
class StatusApiTest {
    private LiveServer s;

    @BeforeEach
    void start() {
        s = new LiveServer(c -> c.withoutTicker().withHeartbeatGrace(Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private JsonNode status() {
        LiveServer.Reply r = s.get("/v1/status", s.admin());
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.index()).isEqualTo(r.body().path("index").asText());
        return r.body();
    }

    @Test
    void the_status_follows_every_change() {
        JsonNode empty = status();
        assertThat(empty.path("agentsReady").asInt()).isZero();
        assertThat(status()).as("nothing changed: the same answer").isEqualTo(empty);

        String[] a = s.agent("m1", "4", "4g");
        JsonNode joined = status();
        assertThat(joined.path("agentsReady").asInt()).isEqualTo(1);
        assertThat(joined.path("total").path("cpuMillis").asLong()).isEqualTo(4000);

        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").body().path("allocations").get(0).asText();
        JsonNode placed = status();
        assertThat(placed.path("liveAllocations").asInt()).isEqualTo(1);
        assertThat(placed.path("allocated").path("cpuMillis").asLong()).isEqualTo(1000);
        assertThat(placed.path("index").asLong()).isGreaterThan(joined.path("index").asLong());

        assertThat(s.post("/v1/requests", s.admin(), "{\"cpus\":\"99\"}").code()).isBetween(200, 299);
        assertThat(status().path("pendingRequests").asInt()).isEqualTo(1);

        s.post("/v1/agents/" + a[0] + "/drain", s.admin(), null);
        assertThat(status().path("agentsDraining").asInt()).isEqualTo(1);

        s.post("/v1/allocations/" + alloc + "/release", s.admin(), null);
        JsonNode released = status();
        assertThat(released.path("liveAllocations").asInt()).isZero();
        assertThat(released.path("allocated").path("cpuMillis").asLong()).isZero();
        assertThat(status()).as("nothing changed: the same answer").isEqualTo(released);

        // silent past its grace, the agent is lost at the next tick
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            s.server.tick();
            return status().path("agentsLost").asInt() == 1;
        });
        JsonNode lost = status();
        assertThat(lost.path("agentsReady").asInt()).isZero();
        assertThat(lost.path("total").path("cpuMillis").asLong()).as("a lost agent's capacity is not counted").isZero();
    }
}
