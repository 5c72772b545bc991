package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An agent whose heartbeat says its disk is nearly full (less free than the floor it reports) is
 * given nothing new, as Kubernetes taints a node under DiskPressure, and a request that finds no
 * other room says why; what it holds stays. Once a heartbeat says there is room again, what waits
 * is placed there at once, though nothing stored changed. Before, a full agent was given tasks
 * it could not even prepare.
 */
class DiskPressureApiTest {
    private final LiveServer s = new LiveServer(c -> c.withoutTicker().withHeartbeatGrace(java.time.Duration.ofMinutes(5)));

    @AfterEach
    void stop() {
        s.close();
    }

    /** The allocator's metrics, as Prometheus scrapes them. */
    private String metrics() throws java.io.IOException {
        try (okhttp3.Response r = s.http.newCall(new okhttp3.Request.Builder().url(s.server.url() + "/metrics")
                .header("Authorization", "Bearer " + s.admin()).build()).execute()) {
            return r.body().string();
        }
    }

    /** A heartbeat of {@code agent} with those disk figures, folded into the state as the ticker does. */
    private int beat(String[] agent, long freeMib, long floorMib) throws Exception {
        int code = s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{\"usage\":{\"diskFreeMib\":" + freeMib + ",\"diskPressureMib\":" + floorMib + "}}").code();
        s.server.tick();
        return code;
    }

    @Test
    void an_agent_whose_disk_is_nearly_full_is_given_nothing_new_until_it_has_room() throws Exception {
        String[] full = s.agent("full", "2", "2g");
        String[] roomy = s.agent("roomy", "2", "2g");
        String held = s.post("/v1/requests", s.admin(), "{\"cpus\":\"0.5\",\"constraints\":[{\"attribute\":\"agent\",\"op\":\"=\",\"value\":\"" + full[0] + "\"}]}")
                .body().path("allocations").get(0).asText();
        assertThat(beat(full, 10, 100)).isEqualTo(200);
        assertThat(beat(roomy, 5000, 100)).isEqualTo(200);

        for (int i = 0; i < 3; i++) {
            JsonNode r = s.post("/v1/requests", s.admin(), "{\"cpus\":\"0.5\"}").body();
            assertThat(r.path("state").asText()).isEqualTo("PLACED");
            String alloc = r.path("allocations").get(0).asText();
            assertThat(s.get("/v1/allocations/" + alloc, s.admin()).body().path("agentId").asText()).as("never the full one").isEqualTo(roomy[0]);
        }
        JsonNode two = s.post("/v1/requests", s.admin(), "{\"cpus\":\"0.1\",\"count\":2,\"constraints\":[{\"op\":\"distinct\"}]}").body();
        assertThat(two.path("state").asText()).isEqualTo("PENDING");
        assertThat(two.path("why").path("summary").asText()).contains("disk nearly full");
        assertThat(s.get("/v1/allocations/" + held, s.admin()).body().path("state").asText()).as("what it holds stays").isEqualTo("ALLOCATED");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> metrics().contains("steward_agents{state=\"disk_pressure\"} 1.0")
                && metrics().contains("steward_agents{state=\"ready\"} 1.0"));

        assertThat(beat(full, 900, 100)).isEqualTo(200);
        assertThat(s.get("/v1/requests/" + two.path("id").asText(), s.admin()).body().path("state").asText())
                .as("placed as soon as the heartbeat said so").isEqualTo("PLACED");

        assertThat(beat(full, 0, 0)).isEqualTo(200);
        assertThat(s.post("/v1/requests", s.admin(), "{\"cpus\":\"0.1\",\"constraints\":[{\"attribute\":\"agent\",\"op\":\"=\",\"value\":\"" + full[0] + "\"}]}")
                .body().path("state").asText()).as("a floor of 0: never nearly full").isEqualTo("PLACED");
    }
}
