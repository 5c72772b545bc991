package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over real HTTP: a role's token rotated gives a new token for the same role, description and
 * lifetime; the old one is refused at once, or after a grace, and a call with it then says which
 * token replaced it; what does not rotate (an agent's token, a join token, one rotated or expired
 * already) is refused with why, changing nothing; and all of it holds through a restart.
 */
class TokenRotationApiTest {
    private LiveServer s;
    @TempDir
    Path dir;

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
        return null;
    }

    @Test
    void a_rotated_token_is_refused_naming_its_replacement_and_the_new_one_acts_for_the_same_role() throws Exception {
        s = new LiveServer(dir, c -> c);
        s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}");
        JsonNode old = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"jenkins\",\"ttl\":\"90d\"}").body();
        String oldToken = old.path("token").asText();
        assertThat(s.get("/v1/requests", oldToken).code()).isEqualTo(200);

        Instant before = Instant.now();
        LiveServer.Reply r = s.post("/v1/tokens/" + old.path("id").asText() + "/rotate", s.admin(), null);
        assertThat(r.code()).as(String.valueOf(r.body())).isEqualTo(201);
        JsonNode fresh = r.body();
        assertThat(fresh.path("role").asText()).isEqualTo("ci");
        assertThat(fresh.path("description").asText()).isEqualTo("jenkins");
        assertThat(fresh.path("replaced").asText()).isEqualTo(old.path("id").asText());
        assertThat(Instant.parse(fresh.path("expiresAt").asText())).as("the same lifetime, from now")
                .isBetween(before.plus(Duration.ofDays(90)), Instant.now().plus(Duration.ofDays(90)));
        assertThat(fresh.path("token").asText()).startsWith("str_").isNotEqualTo(oldToken);

        LiveServer.Reply refused = s.get("/v1/requests", oldToken);
        assertThat(refused.code()).isEqualTo(401);
        assertThat(refused.body().path("detail").asText()).contains("the token was rotated: token " + fresh.path("id").asText() + " replaced it");
        assertThat(s.post("/v1/requests", fresh.path("token").asText(), "{\"cpus\":\"1\",\"memory\":\"64m\",\"ttl\":\"1h\"}").code())
                .as("the new token acts for the role").isEqualTo(201);
        assertThat(listed(old.path("id").asText()).path("replacedBy").asText()).isEqualTo(fresh.path("id").asText());
        assertThat(listed(fresh.path("id").asText()).has("replacedBy")).isFalse();

        s.close();
        s = new LiveServer(dir, c -> c);
        assertThat(s.get("/v1/requests", oldToken).body().path("detail").asText()).as("kept through a restart").contains("was rotated");
        assertThat(s.get("/v1/requests", fresh.path("token").asText()).code()).isEqualTo(200);
        LiveServer.Reply again = s.post("/v1/tokens/" + old.path("id").asText() + "/rotate", s.admin(), null);
        assertThat(again.code()).isEqualTo(409);
        assertThat(again.body().path("detail").asText()).isEqualTo("token " + old.path("id").asText() + " was already rotated: token "
                + fresh.path("id").asText() + " replaced it");
    }

    @Test
    void with_a_grace_both_tokens_work_until_it_ends_and_no_later_than_the_old_ones_own_expiry() {
        s = new LiveServer();
        s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}");
        JsonNode forever = s.post("/v1/roles/ci/tokens", s.admin(), "{}").body();
        Instant before = Instant.now();
        JsonNode rotated = s.post("/v1/tokens/" + forever.path("id").asText() + "/rotate", s.admin(), "{\"grace\":\"1h\"}").body();
        assertThat(rotated.has("expiresAt")).as("a token without an end gets a new one without an end").isFalse();
        assertThat(Instant.parse(rotated.path("replacedUntil").asText())).isBetween(before.plus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(1)));
        assertThat(s.get("/v1/requests", forever.path("token").asText()).code()).as("within the grace").isEqualTo(200);
        assertThat(s.get("/v1/requests", rotated.path("token").asText()).code()).isEqualTo(200);

        JsonNode shortLived = s.post("/v1/roles/ci/tokens", s.admin(), "{\"ttl\":\"10m\"}").body();
        JsonNode r2 = s.post("/v1/tokens/" + shortLived.path("id").asText() + "/rotate", s.admin(), "{\"grace\":\"1d\"}").body();
        assertThat(r2.path("replacedUntil").asText()).as("a grace never lengthens the old token's life")
                .isEqualTo(listed(shortLived.path("id").asText()).path("expiresAt").asText());
    }

    @Test
    void what_does_not_rotate_is_refused_with_why_and_nothing_changes() {
        s = new LiveServer();
        String[] agent = s.agent("m1", "1", "1g");
        s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}");
        JsonNode role = s.post("/v1/roles/ci/tokens", s.admin(), "{}").body();
        JsonNode join = s.post("/v1/join-tokens", s.admin(), "{}").body();
        String agentTokenId = null;
        for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
            if (t.path("kind").asText().equals("agent")) {
                agentTokenId = t.path("id").asText();
            }
        }
        long index = s.server.engine().index();
        LiveServer.Reply a = s.post("/v1/tokens/" + agentTokenId + "/rotate", s.admin(), null);
        assertThat(a.code()).isEqualTo(409);
        assertThat(a.body().path("detail").asText()).contains("is agent " + agent[0] + "'s: an agent's token is its identity and does not rotate");
        LiveServer.Reply j = s.post("/v1/tokens/" + join.path("id").asText() + "/rotate", s.admin(), null);
        assertThat(j.code()).isEqualTo(409);
        assertThat(j.body().path("detail").asText()).contains("is a join token, which does not rotate");
        assertThat(s.post("/v1/tokens/0123456789abcdef/rotate", s.admin(), null).code()).isEqualTo(404);
        LiveServer.Reply bad = s.post("/v1/tokens/" + role.path("id").asText() + "/rotate", s.admin(), "{\"grace\":\"31d\"}");
        assertThat(bad.code()).isEqualTo(400);
        assertThat(bad.body().path("detail").asText()).contains("grace").contains("31d").contains("0s to 30d");
        assertThat(s.post("/v1/tokens/" + role.path("id").asText() + "/rotate", s.admin(), "{\"grace\":\"soon\"}").code()).isEqualTo(400);
        assertThat(s.post("/v1/tokens/" + role.path("id").asText() + "/rotate", role.path("token").asText(), null).code())
                .as("a role may not rotate its own token: the admin does").isEqualTo(403);
        assertThat(s.server.engine().index()).as("nothing written").isEqualTo(index);
        assertThat(s.get("/v1/requests", role.path("token").asText()).code()).isEqualTo(200);
    }
}
