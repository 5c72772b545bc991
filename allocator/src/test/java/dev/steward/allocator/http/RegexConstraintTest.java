package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request's {@code regex} constraint is a tenant's pattern run by placement, on the thread that
 * owns the state, against every agent's attribute: one that backtracks without end (hours on a
 * 40-character value) must not stall the allocator. Its work is bounded; the pattern then
 * matches no agent, and the request says why.
 */
class RegexConstraintTest {
    private LiveServer s;
    private final OkHttpClient quick = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() {
        s = new LiveServer();
        LiveServer.Reply r = s.post("/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"8g\",\"ports\":\"21000-21100\","
                + "\"attributes\":{\"rack\":\"" + "r".repeat(40) + "\"}}");
        assertThat(r.code()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private JsonNode quickly(String method, String path, String body) throws Exception {
        Request.Builder b = new Request.Builder().url(s.server.url() + path).header("Authorization", "Bearer " + s.admin());
        b.method(method, body == null ? null : okhttp3.RequestBody.create(body, LiveServer.JSON));
        try (Response resp = quick.newCall(b.build()).execute()) {
            assertThat(resp.code()).as("%s %s", method, path).isLessThan(300);
            return Json.MAPPER.readTree(resp.body().string());
        }
    }

    @Test
    void a_pattern_that_backtracks_without_end_matches_no_agent_says_why_and_stalls_nothing() throws Exception {
        JsonNode costly = quickly("POST", "/v1/requests", "{\"cpus\":\"1\",\"memory\":\"1g\",\"constraints\":[{\"attribute\":\"rack\",\"op\":\"regex\","
                + "\"value\":\"((r+)+)+Z\"}]}");
        assertThat(costly.path("state").asText()).isEqualTo("PENDING");

        // the state's owner goes on: a read, and a request that places
        assertThat(quickly("GET", "/v1/status", null).isObject()).isTrue();
        JsonNode plain = quickly("POST", "/v1/requests", "{\"cpus\":\"1\",\"memory\":\"1g\",\"constraints\":[{\"attribute\":\"rack\",\"op\":\"regex\","
                + "\"value\":\"^r+$\"}]}");
        assertThat(plain.path("state").asText()).isEqualTo("PLACED");

        JsonNode why = quickly("GET", "/v1/requests/" + costly.path("id").asText(), null);
        assertThat(why.toString()).contains("((r+)+)+Z").contains("backtracks without end");
    }
}
