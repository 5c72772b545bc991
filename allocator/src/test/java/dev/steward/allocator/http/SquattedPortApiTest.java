package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP, with an agent played by the test: an instance of a service with no health
 * check is healthy while its task runs, unless its agent says a port of its is held by another
 * user's socket (the agent looks at the ports of such a task, as a check's first step does): then
 * it is unhealthy, no endpoint, saying why, until the agent says its ports are its own again.
 */
class SquattedPortApiTest {
    @Test
    void an_unchecked_instance_whose_port_another_user_holds_is_no_endpoint() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "2", "2g");
            LiveServer.Reply deployed = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"ports\":[\"http\"],"
                    + "\"cpus\":\"0.5\",\"memory\":\"64m\",\"minHealthyTime\":\"0s\"}");
            assertThat(deployed.code()).as("%s", deployed.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/prod", s.admin()).body().path("available").asInt() == 1;
            });
            assertThat(s.get("/v1/services/web/prod/endpoints", s.admin()).body().size()).isEqualTo(1);
            JsonNode task = s.get("/v1/agents/" + m1[0] + "/tasks", m1[1]).body().get(0);
            int port = s.get("/v1/services/web/prod/instances", s.admin()).body().get(0).path("ports").path("http").asInt();
            String held = "its ports are not its own: port http " + port + " is held by a socket of another user (uid 61003), not this task's (uid 61000)";

            report(s, m1, task, 2, false, held);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/services/web/prod", s.admin()).body().path("available").asInt() == 0);
            JsonNode instance = s.get("/v1/services/web/prod/instances", s.admin()).body().get(0);
            assertThat(instance.path("state").asText()).isEqualTo("UNHEALTHY");
            assertThat(instance.path("reason").asText()).isEqualTo("unhealthy: " + held);
            assertThat(s.get("/v1/services/web/prod/endpoints", s.admin()).body().size()).as("the squatter is listed as no one's endpoint").isZero();

            report(s, m1, task, 3, true, "its ports are its own again");
            await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/services/web/prod", s.admin()).body().path("available").asInt() == 1);
        }
    }

    private static void report(LiveServer s, String[] agent, JsonNode task, int seq, boolean healthy, String reason) {
        LiveServer.Reply r = s.put("/v1/agents/" + agent[0] + "/tasks/" + task.path("id").asText() + "/status", agent[1],
                "{\"seq\":" + seq + ",\"state\":\"RUNNING\",\"pid\":1000,\"healthy\":" + healthy + ",\"reason\":\"" + reason + "\"}");
        assertThat(r.code()).as("%s", r.body()).isEqualTo(200);
    }
}
