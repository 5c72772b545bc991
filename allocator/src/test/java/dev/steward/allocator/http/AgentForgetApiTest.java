package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code DELETE /v1/agents/{id}}: an admin forgets a lost agent, as {@code nomad node purge}
 * does: a machine gone for good is no longer listed, its token no longer works, and that stays so
 * after a restart. A live agent is refused with what to do instead. Before, a lost agent was
 * listed until a new agent took its name.
 */
class AgentForgetApiTest {
    private LiveServer s;
    private java.nio.file.Path dir;

    @AfterEach
    void stop() throws Exception {
        if (s != null) {
            s.close();
        }
        if (dir != null) {
            try (var all = java.nio.file.Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void a_lost_agent_is_forgotten_with_its_token_and_a_live_one_is_refused() throws Exception {
        dir = java.nio.file.Files.createTempDirectory("steward-forget-agent");
        s = new LiveServer(dir, c -> c.withoutTicker().withHeartbeatGrace(Duration.ofSeconds(1)));
        String[] gone = s.agent("gone", "4", "4g");
        String[] kept = s.agent("kept", "4", "4g");
        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").body().path("allocations").get(0).asText();

        LiveServer.Reply live = s.call("DELETE", "/v1/agents/" + gone[0], s.admin(), null);
        assertThat(live.code()).isEqualTo(409);
        assertThat(live.body().path("detail").asText()).contains("agent gone (" + gone[0] + ") is READY, not lost").contains("steward agents drain gone");
        assertThat(s.call("DELETE", "/v1/agents/nosuchagent", s.admin(), null).code()).isEqualTo(404);

        await().atMost(Duration.ofSeconds(20)).until(() -> { // silent past its grace, at the next tick; the other one keeps beating
            s.put("/v1/agents/" + kept[0] + "/heartbeat", kept[1], "{\"usage\":{}}");
            s.server.tick();
            return s.get("/v1/agents/" + gone[0], s.admin()).body().path("status").asText().equals("LOST");
        });
        LiveServer.Reply forgotten = s.call("DELETE", "/v1/agents/" + gone[0], s.admin(), null);
        assertThat(forgotten.code()).isEqualTo(200);
        assertThat(forgotten.body().path("name").asText()).isEqualTo("gone");
        assertThat(forgotten.body().path("forgotten").asBoolean()).isTrue();
        assertThat(s.get("/v1/agents/" + gone[0], s.admin()).code()).isEqualTo(404);
        assertThat(s.get("/v1/agents", s.admin()).body()).extracting(a -> a.path("name").asText()).containsExactly("kept");
        assertThat(s.put("/v1/agents/" + gone[0] + "/heartbeat", gone[1], "{\"usage\":{}}").code()).as("its token is gone with it").isEqualTo(401);
        JsonNode a = s.get("/v1/allocations/" + alloc, s.admin()).body();
        assertThat(a.path("state").asText()).as("what it held ended when it was lost, and is still there to read").isIn("LOST", "ALLOCATED");
        assertThat(s.call("DELETE", "/v1/agents/" + gone[0], s.admin(), null).code()).as("forgotten once").isEqualTo(404);

        s.close();
        s = new LiveServer(dir, c -> c.withoutTicker());
        assertThat(s.get("/v1/agents", s.admin()).body()).as("after a restart too").extracting(x -> x.path("name").asText()).containsExactly("kept");
        assertThat(s.put("/v1/agents/" + gone[0] + "/heartbeat", gone[1], "{\"usage\":{}}").code()).isEqualTo(401);
        s.agent("gone", "4", "4g"); // the name is free for a machine that comes back
    }
}
