package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP, with two agents played by the test (they run what they are given and stop what
 * they are asked to): draining an agent moves a service's instances to the other one, a
 * replacement started before each drained instance is stopped, so the service never has fewer
 * available instances than it wants.
 */
class DrainMovesServicesApiTest {
    @Test
    void draining_an_agent_moves_a_services_instances_elsewhere_without_a_gap() throws Exception {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "4g");
            LiveServer.Reply deployed = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":2,"
                    + "\"cpus\":\"1\",\"memory\":\"64m\",\"minHealthyTime\":\"0s\"}");
            assertThat(deployed.code()).as("%s", deployed.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.play(m1);
                return available(s).size() == 2;
            });
            String[] m2 = s.agent("m2", "4", "4g");
            assertThat(s.post("/v1/agents/" + m1[0] + "/drain", s.admin(), null).code()).isEqualTo(200);

            List<Integer> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.play(m1);
                s.play(m2);
                List<JsonNode> avail = available(s);
                seen.add(avail.size());
                return avail.size() == 2 && avail.stream().allMatch(i -> i.path("agentId").asText().equals(m2[0])) && live(s) == 2;
            });
            assertThat(seen).as("available instances at each look while the drain moved them").allMatch(n -> n >= 2);
            JsonNode events = s.get("/v1/services/web/prod/instances", s.admin()).body();
            assertThat(events.findValuesAsText("reason")).anyMatch(r -> r.contains("its agent is draining"));
        }
    }

    @Test
    void a_drains_deadline_is_checked_and_shown() {
        try (LiveServer s = new LiveServer(c -> c)) {
            String[] m1 = s.agent("m1", "4", "4g");
            LiveServer.Reply bad = s.post("/v1/agents/" + m1[0] + "/drain", s.admin(), "{\"deadline\":\"soon\"}");
            assertThat(bad.code()).isEqualTo(400);
            assertThat(bad.body().path("field").asText()).isEqualTo("deadline");
            LiveServer.Reply tooLong = s.post("/v1/agents/" + m1[0] + "/drain", s.admin(), "{\"deadline\":\"31d\"}");
            assertThat(tooLong.code()).isEqualTo(400);
            assertThat(tooLong.body().path("detail").asText()).contains("outside 0s to 30d");
            assertThat(s.get("/v1/agents/" + m1[0], s.admin()).body().path("draining").asBoolean()).as("nothing changed").isFalse();
            LiveServer.Reply ok = s.post("/v1/agents/" + m1[0] + "/drain", s.admin(), "{\"deadline\":\"1h\"}");
            assertThat(ok.code()).isEqualTo(200);
            assertThat(ok.body().path("draining").asBoolean()).isTrue();
            assertThat(ok.body().path("drainDeadline").asText()).isNotBlank();
            LiveServer.Reply none = s.post("/v1/agents/" + m1[0] + "/drain", s.admin(), null);
            assertThat(none.body().path("drainDeadline").isNull() || none.body().path("drainDeadline").isMissingNode()).as("drained again without one")
                    .isTrue();
        }
    }

    private static List<JsonNode> available(LiveServer s) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            if (i.path("state").asText().equals("HEALTHY") && !i.path("stopRequested").asBoolean()) {
                out.add(i);
            }
        }
        return out;
    }

    private static long live(LiveServer s) {
        long n = 0;
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            String st = i.path("state").asText();
            n += st.equals("STOPPED") || st.equals("FAILED") || st.equals("LOST") ? 0 : 1;
        }
        return n;
    }
}
