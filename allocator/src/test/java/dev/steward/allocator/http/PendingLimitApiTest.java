package dev.steward.allocator.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Over real HTTP: a role's request past its bound of pending ones is a 409 naming the bound, and nothing of it is stored. */
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
}
