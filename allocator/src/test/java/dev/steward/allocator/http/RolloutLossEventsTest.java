package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP, with two agents played by the test: an agent that goes silent under a rollout
 * takes its instances with it, and the rollout's log says which and why, so a follower (the CLI's
 * live view, the deploy step) sees why a count dropped. Before, they vanished without a line.
 */
class RolloutLossEventsTest {
    @Test
    void instances_lost_with_their_agent_under_a_rollout_are_events_of_it_with_the_reason() throws Exception {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofSeconds(2)))) {
            String v1 = s.uploadScript("sleep 3600");
            String v2 = s.uploadScript("sleep 3601");
            String[] m1 = s.agent("m1", "4", "4g");
            String[] m2 = s.agent("m2", "4", "4g");
            String spec = ",\"instances\":2,\"cpus\":\"1\",\"memory\":\"64m\"";
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v1 + "\"" + spec + ",\"minHealthyTime\":\"0s\"}").code())
                    .isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.alive(m1, m2);
                return available(s) == 2;
            });
            // revision 2 rolls, and waits 5 minutes for its instances to count: the rollout stays under way
            LiveServer.Reply rolled = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v2 + "\"" + spec
                    + ",\"minHealthyTime\":\"5m\",\"healthyDeadline\":\"10m\",\"progressDeadline\":\"20m\"}");
            assertThat(rolled.code()).as("%s", rolled.body()).isEqualTo(201);
            String id = rolled.body().path("deployment").path("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.alive(m1, m2);
                return running(s, 2) > 0;
            });
            List<String> onM1 = new ArrayList<>();
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (i.path("agentId").asText().equals(m1[0]) && !i.path("state").asText().equals("STOPPED")) {
                    onM1.add(i.path("id").asText() + " of revision " + i.path("revision").asInt());
                }
            }
            assertThat(onM1).isNotEmpty();
            await().atMost(Duration.ofSeconds(60)).until(() -> { // m1 falls silent; m2 goes on
                s.alive(m2);
                List<String> said = s.get("/v1/deployments/" + id, s.admin()).body().path("events").findValuesAsText("message");
                return onM1.stream().allMatch(x -> said.stream().anyMatch(m -> m.startsWith("instance " + x + " was lost: its allocation ended: LOST")
                        && m.contains("agent m1 missed heartbeats")));
            });
            assertThat(s.get("/v1/deployments/" + id, s.admin()).body().path("state").asText()).isEqualTo("RUNNING");
        }
    }

    private static long available(LiveServer s) {
        long n = 0;
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            n += i.path("state").asText().equals("HEALTHY") && !i.path("stopRequested").asBoolean() ? 1 : 0;
        }
        return n;
    }

    private static long running(LiveServer s, int revision) {
        long n = 0;
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            n += i.path("revision").asInt() == revision && i.path("state").asText().equals("STARTING") ? 1 : 0;
        }
        return n;
    }
}
