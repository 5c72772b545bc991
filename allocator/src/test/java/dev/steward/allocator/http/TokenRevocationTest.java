package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over real HTTP: the admin lists the tokens by id (never the tokens), and revokes one; it is
 * refused from the next call on, through a restart of the allocator, while the role's other
 * tokens and its objects stay. An agent's token revoked shuts that agent out.
 */
class TokenRevocationTest {
    @Test
    void a_revoked_token_is_refused_at_once_and_after_a_restart_while_the_roles_other_tokens_go_on() throws Exception {
        Path dir = Files.createTempDirectory("steward-token-test");
        try {
            String leaked;
            String kept;
            String request;
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                s.agent("m1", "4", "4g");
                assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
                LiveServer.Reply issued = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"jenkins-1\"}");
                assertThat(issued.code()).isEqualTo(201);
                leaked = issued.body().path("token").asText();
                String id = issued.body().path("id").asText();
                assertThat(id).hasSize(16);
                kept = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"jenkins-2\"}").body().path("token").asText();
                LiveServer.Reply made = s.post("/v1/requests", leaked, "{\"cpus\":\"1\",\"memory\":\"64m\"}");
                assertThat(made.code()).isEqualTo(201);
                request = made.body().path("id").asText();

                LiveServer.Reply listed = s.get("/v1/tokens?role=ci", s.admin());
                assertThat(listed.code()).isEqualTo(200);
                assertThat(listed.body()).hasSize(2);
                JsonNode first = listed.body().get(0);
                assertThat(first.path("id").asText()).isEqualTo(id);
                assertThat(first.path("kind").asText()).isEqualTo("role");
                assertThat(first.path("subject").asText()).isEqualTo("ci");
                assertThat(first.path("description").asText()).isEqualTo("jenkins-1");
                assertThat(listed.body().toString()).as("the list never holds a token").doesNotContain(leaked).doesNotContain(kept);
                assertThat(s.get("/v1/tokens", s.admin()).body()).as("the agent's token too").hasSize(3);
                assertThat(s.get("/v1/tokens", kept).code()).as("a role may not list tokens").isEqualTo(403);

                LiveServer.Reply revoked = s.call("DELETE", "/v1/tokens/" + id, s.admin(), null);
                assertThat(revoked.code()).isEqualTo(200);
                assertThat(revoked.body().path("description").asText()).isEqualTo("jenkins-1");
                LiveServer.Reply refused = s.get("/v1/requests/" + request, leaked);
                assertThat(refused.code()).isEqualTo(401);
                assertThat(refused.body().path("detail").asText()).contains("not known");
                assertThat(s.get("/v1/requests/" + request, kept).code()).as("the role's other token, and its request").isEqualTo(200);
                assertThat(s.call("DELETE", "/v1/tokens/" + id, s.admin(), null).code()).as("revoked once").isEqualTo(404);
                LiveServer.Reply unknown = s.call("DELETE", "/v1/tokens/nosuchtoken", s.admin(), null);
                assertThat(unknown.code()).isEqualTo(404);
                assertThat(unknown.body().path("detail").asText()).contains("no token 'nosuchtoken'");
            }
            try (LiveServer again = new LiveServer(dir, c -> c)) {
                assertThat(again.get("/v1/requests/" + request, leaked).code()).as("still refused after a restart").isEqualTo(401);
                assertThat(again.get("/v1/requests/" + request, kept).code()).isEqualTo(200);
                assertThat(again.get("/v1/tokens?role=ci", again.admin()).body()).hasSize(1);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void an_agents_token_revoked_shuts_that_agent_out() {
        try (LiveServer s = new LiveServer(c -> c)) {
            String[] m1 = s.agent("m1", "4", "4g");
            String[] m2 = s.agent("m2", "4", "4g");
            assertThat(s.put("/v1/agents/" + m1[0] + "/heartbeat", m1[1], "{}").code()).isEqualTo(200);
            String id = null;
            for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
                if (t.path("kind").asText().equals("agent") && t.path("subject").asText().equals(m1[0])) {
                    id = t.path("id").asText();
                }
            }
            assertThat(id).isNotNull();
            assertThat(s.call("DELETE", "/v1/tokens/" + id, s.admin(), null).code()).isEqualTo(200);
            assertThat(s.put("/v1/agents/" + m1[0] + "/heartbeat", m1[1], "{}").code()).isEqualTo(401);
            assertThat(s.put("/v1/agents/" + m2[0] + "/heartbeat", m2[1], "{}").code()).as("another agent").isEqualTo(200);
        }
    }
}
