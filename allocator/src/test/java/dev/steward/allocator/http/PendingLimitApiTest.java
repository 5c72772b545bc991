package dev.steward.allocator.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP: a role's request past its bound of pending ones is a 409 naming the bound, and
 * nothing of it is stored; a service's instances wait within the same bound, asked for as room comes.
 */
class PendingLimitApiTest {
    @Test
    void a_request_past_the_roles_bound_of_pending_ones_is_a_409_with_the_reason() {
        try (LiveServer s = new LiveServer(c -> c.withMaxPendingPerRole(2))) {
            s.agent("m1", "2", "2g");
            assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
            String token = s.post("/v1/roles/ci/tokens", s.admin(), "{}").body().path("token").asText();
            String first = null;
            for (int i = 0; i < 2; i++) {
                LiveServer.Reply r = s.post("/v1/requests", token, "{\"cpus\":\"8\"}");
                assertThat(r.code()).as("%s", r.body()).isEqualTo(201);
                assertThat(r.body().path("state").asText()).isEqualTo("PENDING");
                first = first == null ? r.body().path("id").asText() : first;
            }
            LiveServer.Reply refused = s.post("/v1/requests", token, "{\"cpus\":\"1\"}");
            assertThat(refused.code()).isEqualTo(409);
            assertThat(refused.contentType()).isEqualTo("application/problem+json");
            assertThat(refused.body().path("detail").asText()).contains("role 'ci' has 2 requests pending").contains("--max-pending-per-role is 2");
            assertThat(s.get("/v1/requests", token).body()).as("the refused request was not stored").hasSize(2);
            assertThat(s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\"}").code()).as("the default role's request").isEqualTo(201);
            assertThat(s.call("DELETE", "/v1/requests/" + first, token, null).code()).isEqualTo(200);
            assertThat(s.post("/v1/requests", token, "{\"cpus\":\"1\"}").code()).as("one cancelled, one more taken").isEqualTo(201);
        }
    }

    @Test
    void a_services_instances_are_asked_for_within_the_roles_bound_and_the_rest_once_room_comes() throws Exception {
        try (LiveServer s = new LiveServer(c -> c.withMaxPendingPerRole(3))) {
            String digest = s.uploadScript("sleep 60");
            LiveServer.Reply deployed = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":5,"
                    + "\"cpus\":\"1\",\"memory\":\"64m\"}");
            assertThat(deployed.code()).as("%s", deployed.body()).isEqualTo(201);
            String deployment = deployed.body().path("deployment").path("id").asText();
            // no agent yet: every instance's request waits, and only 3 may
            assertThat(s.get("/v1/services/web/prod/instances", s.admin()).body()).as("instances asked for").hasSize(3);
            assertThat(s.get("/v1/requests?state=pending", s.admin()).body()).hasSize(3);
            assertThat(s.get("/v1/deployments/" + deployment + "/events", s.admin()).body().findValuesAsText("message"))
                    .anyMatch(m -> m.contains("waiting to ask for more instances: role 'default' has 3 requests pending"));
            LiveServer.Reply refused = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\"}");
            assertThat(refused.code()).as("a client's request of the same role").isEqualTo(409);

            s.agent("m1", "8", "8g"); // room: the 3 are placed, and the other 2 are asked for
            await().atMost(Duration.ofSeconds(20)).until(() -> s.get("/v1/services/web/prod/instances", s.admin()).body().size() == 5);
            await().atMost(Duration.ofSeconds(20)).until(() -> s.get("/v1/requests?state=pending", s.admin()).body().isEmpty());
        }
    }
}
