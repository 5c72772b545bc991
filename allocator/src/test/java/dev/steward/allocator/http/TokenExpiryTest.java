package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP: a role token minted with a {@code ttl} is accepted until then and refused
 * after, with a reason, through a restart too; one minted without lives until revoked; a ttl out
 * of range is a 400 naming the field and the limits, and mints nothing.
 */
class TokenExpiryTest {
    @Test
    void a_token_with_a_ttl_is_refused_once_it_expires_and_after_a_restart_while_one_without_goes_on() throws Exception {
        Path dir = Files.createTempDirectory("steward-token-expiry");
        try {
            String brief;
            String lasting;
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
                Instant before = Instant.now();
                LiveServer.Reply issued = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"a pipeline's\",\"ttl\":\"3s\"}");
                assertThat(issued.code()).as("%s", issued.body()).isEqualTo(201);
                brief = issued.body().path("token").asText();
                Instant expires = Instant.parse(issued.body().path("expiresAt").asText());
                assertThat(expires).isBetween(before.plusSeconds(3), Instant.now().plusSeconds(3));
                LiveServer.Reply forever = s.post("/v1/roles/ci/tokens", s.admin(), "{}");
                lasting = forever.body().path("token").asText();
                assertThat(forever.body().path("expiresAt").asText(null)).as("no expiry: %s", forever.body()).isNull();

                assertThat(s.get("/v1/requests", brief).code()).as("accepted before it expires").isEqualTo(200);
                JsonNode listed = s.get("/v1/tokens?role=ci", s.admin()).body();
                assertThat(listed.get(0).path("expiresAt").asText()).isEqualTo(issued.body().path("expiresAt").asText());

                await().atMost(Duration.ofSeconds(15)).until(() -> s.get("/v1/requests", brief).code() == 401);
                LiveServer.Reply refused = s.get("/v1/requests", brief);
                assertThat(refused.body().path("detail").asText()).contains("the token expired at " + expires).contains("steward tokens create ci");
                LiveServer.Reply body = s.post("/v1/requests", brief, "{\"cpus\":\"1\"}");
                assertThat(body.code()).as("a command with a body too").isEqualTo(401);
                assertThat(s.get("/v1/requests", lasting).code()).as("a token without a ttl").isEqualTo(200);
                assertThat(s.get("/v1/tokens?role=ci", s.admin()).body()).as("an expired token is listed until revoked").hasSize(2);
            }
            try (LiveServer again = new LiveServer(dir, c -> c)) {
                assertThat(again.get("/v1/requests", brief).code()).as("expired through a restart").isEqualTo(401);
                assertThat(again.get("/v1/requests", lasting).code()).isEqualTo(200);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void a_ttl_out_of_range_is_refused_naming_the_field_and_mints_nothing() {
        try (LiveServer s = new LiveServer()) {
            assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
            for (String ttl : new String[] {"0s", "3651d", "soon"}) {
                LiveServer.Reply r = s.post("/v1/roles/ci/tokens", s.admin(), "{\"ttl\":\"" + ttl + "\"}");
                assertThat(r.code()).as("ttl %s: %s", ttl, r.body()).isEqualTo(400);
                assertThat(r.body().path("field").asText()).isEqualTo("ttl");
            }
            assertThat(s.post("/v1/roles/ci/tokens", s.admin(), "{\"ttl\":\"0s\"}").body().path("detail").asText())
                    .contains("a token lives from 1s to 3650d");
            assertThat(s.get("/v1/tokens?role=ci", s.admin()).body()).as("nothing minted").isEmpty();
        }
    }
}
