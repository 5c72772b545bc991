package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP, as if behind nginx on this machine: with 127.0.0.1 trusted as a proxy, the
 * request log, a token's last use and an agent's join name the client X-Forwarded-For names (the
 * log with via= the proxy); without it, the same header is a client's claim and is ignored.
 */
class ForwardedForTest {
    private AccessLogLines log;
    private List<String> lines;
    private LiveServer s;

    @BeforeEach
    void listen() {
        log = new AccessLogLines(Level.FINE);
        lines = log.lines;
    }

    @AfterEach
    void close() {
        log.close();
        if (s != null) {
            s.close();
        }
    }

    private int sent;

    /** Sends a request as request id {@code fwd-N}, N counting from 1. */
    private JsonNode send(String method, String path, String token, String body, String forwardedFor) throws Exception {
        Request.Builder b = new Request.Builder().url(s.server.url() + path).header("Authorization", "Bearer " + token)
                .header("X-Request-Id", "fwd-" + ++sent);
        if (forwardedFor != null) {
            b.header("X-Forwarded-For", forwardedFor);
        }
        b.method(method, body == null ? null : RequestBody.create(body, LiveServer.JSON));
        try (Response r = s.http.newCall(b.build()).execute()) {
            String text = r.body().string();
            assertThat(r.code()).as(method + " " + path + ": " + text).isLessThan(300);
            return text.isEmpty() ? null : Json.MAPPER.readTree(text);
        }
    }

    /** The log line of the last request sent: written once its answer is out, so waited for. */
    private String logged() {
        String id = " request_id=fwd-" + sent + " ";
        return await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().filter(l -> l.contains(id)).findFirst(), Optional::isPresent).get();
    }

    private JsonNode token(String id) {
        for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
            if (t.path("id").asText().equals(id)) {
                return t;
            }
        }
        throw new AssertionError("token " + id + " is not listed");
    }

    @Test
    void behind_a_trusted_proxy_the_client_it_names_is_logged_noted_and_kept() throws Exception {
        s = new LiveServer(c -> c.withHttp(c.http().withTrustedProxies(TrustedProxies.parse("127.0.0.0/8"))));
        s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}");
        JsonNode role = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"jenkins\"}").body();

        send("GET", "/v1/status", role.path("token").asText(), null, "198.51.100.66, 203.0.113.7");
        assertThat(logged()).contains(" remote=203.0.113.7 via=127.0.0.1 principal=role:ci ");
        assertThat(token(role.path("id").asText()).path("lastUsedFrom").asText()).isEqualTo("203.0.113.7");

        JsonNode joined = send("POST", "/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"1\",\"memory\":\"1g\"}", "2001:db8::5");
        String id = joined.path("agent").path("id").asText();
        assertThat(s.get("/v1/agents/" + id, s.admin()).body().path("joined").path("from").asText()).isEqualTo("2001:db8:0:0:0:0:0:5");
        assertThat(logged()).contains(" remote=2001:db8:0:0:0:0:0:5 via=127.0.0.1 ");

        send("GET", "/v1/status", role.path("token").asText(), null, null);
        assertThat(logged()).as("a request the proxy did not forward is the proxy's own").contains(" remote=127.0.0.1 principal=")
                .doesNotContain("via=");
    }

    @Test
    void from_a_peer_not_trusted_the_header_is_a_claim_and_changes_nothing() throws Exception {
        s = new LiveServer(c -> c.withHttp(c.http().withTrustedProxies(TrustedProxies.parse("10.0.0.0/8"))));
        s.put("/v1/roles/ci", s.admin(), "{\"weight\":1}");
        JsonNode role = s.post("/v1/roles/ci/tokens", s.admin(), "{}").body();

        send("GET", "/v1/status", role.path("token").asText(), null, "203.0.113.7");
        assertThat(logged()).contains(" remote=127.0.0.1 principal=role:ci ").doesNotContain("203.0.113.7").doesNotContain("via=");
        assertThat(token(role.path("id").asText()).path("lastUsedFrom").asText()).isEqualTo("127.0.0.1");
        JsonNode joined = send("POST", "/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"1\",\"memory\":\"1g\"}", "203.0.113.7");
        assertThat(s.get("/v1/agents/" + joined.path("agent").path("id").asText(), s.admin()).body().path("joined").path("from").asText())
                .isEqualTo("127.0.0.1");
    }
}
