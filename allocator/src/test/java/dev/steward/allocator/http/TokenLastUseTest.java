package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.auth.TokenUse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over real HTTP: the admin's token listing says when each token was last used and from which
 * address (as GitHub lists a token's last use): tokens nobody uses any more, and a token used from
 * where it should not be, show; one never used since the allocator started has none.
 */
class TokenLastUseTest {
    private LiveServer s;

    @AfterEach
    void stop() {
        if (s != null) {
            s.close();
        }
    }

    private JsonNode listed(String id) {
        for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
            if (t.path("id").asText().equals(id)) {
                return t;
            }
        }
        throw new AssertionError("token " + id + " is not listed");
    }

    @Test
    void each_token_is_listed_with_its_last_use_and_where_it_came_from() {
        s = new LiveServer();
        String[] agent = s.agent("m1", "2", "2g");
        s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}");
        JsonNode used = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"jenkins-1\"}").body();
        JsonNode idle = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"jenkins-2\"}").body();
        Instant before = Instant.now().minusSeconds(1);
        assertThat(s.get("/v1/status", used.path("token").asText()).code()).isEqualTo(200);
        s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{}");

        JsonNode u = listed(used.path("id").asText());
        assertThat(Instant.parse(u.path("lastUsedAt").asText())).isBetween(before, Instant.now());
        assertThat(u.path("lastUsedFrom").asText()).isEqualTo("127.0.0.1");
        assertThat(listed(idle.path("id").asText()).has("lastUsedAt")).as("never used since the allocator started").isFalse();
        JsonNode agentToken = null;
        for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
            if (t.path("kind").asText().equals("agent")) {
                agentToken = t;
            }
        }
        assertThat(agentToken.path("lastUsedFrom").asText()).as("an agent's token, by its heartbeats").isEqualTo("127.0.0.1");
    }

    /** The system clock moved on by what the test says: the server's hour passes at once. */
    private static final class Ahead extends java.time.Clock {
        volatile java.time.Duration by = java.time.Duration.ZERO;

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(by);
        }
    }

    @Test
    void a_role_or_join_tokens_last_use_is_kept_to_the_hour_through_a_restart_and_an_agents_is_not(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Ahead clock = new Ahead();
        s = new LiveServer(dir, c -> c, dev.steward.allocator.Server.Embedding.ALONE, clock);
        String[] agent = s.agent("m1", "2", "2g");
        s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}");
        JsonNode ci = s.post("/v1/roles/ci/tokens", s.admin(), "{}").body();
        JsonNode never = s.post("/v1/roles/ci/tokens", s.admin(), "{}").body();
        String token = ci.path("token").asText();
        String id = ci.path("id").asText();

        assertThat(s.get("/v1/status", token).code()).isEqualTo(200); // the first use: written (nothing stored yet)
        s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{}");
        Instant first = Instant.parse(listed(id).path("lastUsedAt").asText());
        assertThat(stored(id)).as("written before the answer that caused it").isNotNull();
        clock.by = java.time.Duration.ofMinutes(30);
        assertThat(s.get("/v1/status", token).code()).isEqualTo(200); // half an hour on: noted in memory, not written
        Instant half = Instant.parse(listed(id).path("lastUsedAt").asText());
        assertThat(half).isAfter(first.plus(java.time.Duration.ofMinutes(29)));
        assertThat(stored(id)).as("not an hour on: not written").isEqualTo(first);

        s.close();
        s = new LiveServer(dir, c -> c, dev.steward.allocator.Server.Embedding.ALONE, clock);
        JsonNode kept = listed(id);
        assertThat(Instant.parse(kept.path("lastUsedAt").asText())).as("kept through the restart, to the hour: the first use").isEqualTo(first);
        assertThat(kept.path("lastUsedFrom").asText()).isEqualTo("127.0.0.1");
        assertThat(listed(never.path("id").asText()).has("lastUsedAt")).isFalse();
        for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
            if (t.path("kind").asText().equals("agent")) {
                assertThat(t.has("lastUsedAt")).as("an agent's token is not kept: its use is its heartbeat").isFalse();
            }
        }

        clock.by = java.time.Duration.ofMinutes(61);
        assertThat(s.get("/v1/status", token).code()).isEqualTo(200); // an hour after the stored one: written
        Instant later = Instant.parse(listed(id).path("lastUsedAt").asText());
        assertThat(stored(id)).isEqualTo(later);
        s.close();
        s = new LiveServer(dir, c -> c, dev.steward.allocator.Server.Embedding.ALONE, clock);
        assertThat(Instant.parse(listed(id).path("lastUsedAt").asText())).isEqualTo(later);
    }

    private Instant stored(String id) {
        return s.server.engine().read(st -> st.token(hashOf(st, id)).lastUsedAt()).join();
    }

    private static String hashOf(dev.steward.allocator.state.ClusterState st, String id) {
        return st.tokens().stream().filter(t -> dev.steward.allocator.state.TokenRecord.idOf(t.hash()).equals(id)).findFirst().orElseThrow().hash();
    }

    @Test
    void a_use_is_noted_at_most_once_a_second_from_one_address_and_at_once_from_another_and_a_gone_token_is_forgotten() {
        TokenUse use = new TokenUse();
        Instant t0 = Instant.parse("2026-12-06T10:00:00Z");
        use.used("h1", t0, "10.0.0.5");
        use.used("h1", t0.plusMillis(400), "10.0.0.5");
        assertThat(use.last("h1")).isEqualTo(new TokenUse.Use(t0, "10.0.0.5"));
        use.used("h1", t0.plusMillis(500), "192.0.2.9"); // another address: at once
        assertThat(use.last("h1")).isEqualTo(new TokenUse.Use(t0.plusMillis(500), "192.0.2.9"));
        use.used("h1", t0.plusMillis(1600), "192.0.2.9");
        assertThat(use.last("h1").at()).isEqualTo(t0.plusMillis(1600));
        use.used("h2", t0, null);
        use.retainOnly(Set.of("h2"));
        assertThat(use.last("h1")).isNull();
        assertThat(use.last("h2")).isEqualTo(new TokenUse.Use(t0, null));
    }
}
