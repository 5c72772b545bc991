package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP, with two agents played by the test: a service whose instance is lost says, on
 * {@code GET /v1/services/APP/ENV}, that it replaced one and until when the next loss waits for its
 * replacement (the backoff). Before, the service said nothing of it: a crash-looping service
 * showed "no instances run" between its replacements, with no word of why or until when.
 */
class ReplacementBackoffApiTest {
    @Test
    void a_service_says_how_many_lost_or_failed_instances_it_replaced_and_until_when_the_next_waits() throws Exception {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofSeconds(2)))) {
            String v1 = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "4g");
            String[] m2 = s.agent("m2", "4", "4g");
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v1 + "\",\"instances\":1,\"cpus\":\"1\",\"memory\":\"64m\","
                    + "\"minHealthyTime\":\"0s\"}").code()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.alive(m1, m2);
                return s.get("/v1/services/web/prod", s.admin()).body().path("available").asInt() == 1
                        && !s.get("/v1/services/web/prod", s.admin()).body().hasNonNull("deployment");
            });
            JsonNode calm = s.get("/v1/services/web/prod", s.admin()).body();
            assertThat(calm.path("replacements").asInt(-1)).as("%s", calm).isZero();
            assertThat(calm.hasNonNull("replaceNotBefore")).as("none waits before the first loss: %s", calm).isFalse();

            String where = s.get("/v1/services/web/prod/instances", s.admin()).body().get(0).path("agentId").asText();
            String[] lost = where.equals(m1[0]) ? m1 : m2;
            String[] stays = lost == m1 ? m2 : m1;
            Instant before = Instant.now();
            await().atMost(Duration.ofSeconds(60)).until(() -> { // its agent falls silent; the other goes on
                s.alive(stays);
                return s.get("/v1/services/web/prod", s.admin()).body().path("replacements").asInt() == 1;
            });
            JsonNode after = s.get("/v1/services/web/prod", s.admin()).body();
            Instant until = Instant.parse(after.path("replaceNotBefore").asText());
            assertThat(until).as("the backoff after one replacement, 2 s from when it was made: %s", after).isAfter(before)
                    .isBefore(Instant.now().plusSeconds(3));
            long lostOnes = 0;
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                lostOnes += i.path("state").asText().equals("LOST") ? 1 : 0;
            }
            assertThat(lostOnes).isEqualTo(1);

            // and Prometheus hears of it: the replacement counted, and the service no longer short once its replacement serves
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.alive(stays);
                String m = metrics(s);
                return m.contains("\nsteward_instance_replacements_total 1.0\n") && m.contains("\nsteward_services_short 0.0\n");
            });
        }
    }

    /** The allocator's /metrics, read with the admin token (sampled at most once a second). */
    private static String metrics(LiveServer s) throws java.io.IOException {
        try (okhttp3.Response r = s.http.newCall(new okhttp3.Request.Builder().url(s.server.url() + "/metrics")
                .header("Authorization", "Bearer " + s.admin()).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            return r.body().string();
        }
    }
}
