package dev.steward.allocator.http;

import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The request log on a real allocator: one line per request, with who and what, and never a token, however a client sends one. */
class RequestLogTest {
    private AccessLogLines log;
    private List<String> lines;
    private LiveServer s;

    @BeforeEach
    void listen() {
        log = new AccessLogLines(Level.FINER); // agents' routine requests too
        lines = log.lines;
    }

    @AfterEach
    void close() {
        log.close();
        if (s != null) {
            s.close();
        }
    }

    private int send(String path, String authorization, String requestId) throws Exception {
        Request.Builder b = new Request.Builder().url(s.server.url() + path);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (requestId != null) {
            b.header("X-Request-Id", requestId);
        }
        try (Response r = s.http.newCall(b.build()).execute()) {
            return r.code();
        }
    }

    @Test
    void no_token_ever_reaches_the_log() throws Exception {
        s = new LiveServer();
        String admin = s.admin();
        String join = s.server.joinToken();
        String metrics = Files.readString(s.dir.resolve("metrics.token")).trim();
        String[] agent = s.agent("m1", "2", "2g");
        s.put("/v1/roles/ra", admin, "{\"weight\":1}");
        String role = s.post("/v1/roles/ra/tokens", admin, "{}").body().path("token").asText();
        List<String> tokens = List.of(admin, join, metrics, agent[1], role);

        for (String t : tokens) {
            send("/v1/status", "Bearer " + t, null); // as a bearer token, allowed or not
            send("/v1/status?token=" + t, null, null); // pasted into a URL
            send("/v1/roles/" + t, "Bearer " + admin, null); // as a path segment
            s.put("/v1/roles/" + t, admin, "{\"weight\":1}"); // as a path segment of a change, which names its target
            send("/v1/status", "Bearer " + t, t); // as its own request id
            send("/v1/health", null, "id-" + t); // inside a request id
            send("/v1/status", "Bearer " + t.substring(0, t.length() - 1), null); // a token one character short: unknown
        }
        send("/v1/status", "Basic " + java.util.Base64.getEncoder().encodeToString(("u:" + admin).getBytes()), null);
        int requests = 3 + tokens.size() * 7 + 1; // the fixture's 3 (agent, role, role token), 7 per token, the Basic one
        await().until(() -> lines.size() >= requests);
        assertThat(lines).hasSize(requests); // one line per request

        assertThat(lines).allSatisfy(line -> {
            for (String t : tokens) {
                assertThat(line).doesNotContain(t).doesNotContain(t.substring(0, 40)).doesNotContain(t.substring(t.length() - 40));
            }
        });
        assertThat(lines).allMatch(l -> l.matches("time=\\S+ request_id=[A-Za-z0-9._:-]+ remote=127\\.0\\.0\\.1 principal=\\S+ method=[A-Z]+ route=\\S+ (target=[A-Za-z0-9._:/?-]+ )?"
                + "class=[a-z]+ status=\\d{3} duration_ms=\\d+\\.\\d\\d"), "every line in the logfmt shape");
        assertThat(lines).anyMatch(l -> l.contains("principal=role:ra method=GET route=/v1/status class=client status=200"));
        assertThat(lines).anyMatch(l -> l.contains("principal=agent:" + agent[0] + " method=GET route=/v1/status"));
        assertThat(lines).anyMatch(l -> l.contains("principal=admin:admin method=GET route=/v1/roles/{name} class=client status=404"));
        assertThat(lines).anyMatch(l -> l.contains("principal=anonymous method=GET route=/v1/status class=client status=401"));
        assertThat(lines).anyMatch(l -> l.contains("principal=metrics:metrics method=GET route=/v1/status class=client status=403"));
    }

    @Test
    void a_change_that_was_taken_names_what_it_acted_on_and_a_read_or_a_refusal_does_not() throws Exception {
        s = new LiveServer();
        String admin = s.admin();
        String[] agent = s.agent("m1", "2", "2g");
        s.put("/v1/roles/ra", admin, "{\"weight\":1}");
        var token = s.post("/v1/roles/ra/tokens", admin, "{}").body();
        String digest = s.uploadScript("sleep 3600", token.path("token").asText());
        s.put("/v1/services/web/pr-7", token.path("token").asText(), "{\"packageDigest\":\"" + digest + "\",\"instances\":0}");
        s.call("DELETE", "/v1/services/web/pr-7", token.path("token").asText(), null);
        s.call("DELETE", "/v1/services/web/pr-8", token.path("token").asText(), null); // not there: 404, no target
        s.get("/v1/services/web/pr-7", admin); // a read: no target
        s.post("/v1/agents/" + agent[0] + "/drain", admin, "{}");
        s.call("DELETE", "/v1/tokens/" + token.path("id").asText(), admin, null);
        await().until(() -> lines.stream().anyMatch(l -> l.contains("route=/v1/tokens/{id}")));
        assertThat(lines).anyMatch(l -> l.contains("principal=admin:admin method=PUT route=/v1/roles/{name} target=ra class=client status="));
        assertThat(lines).anyMatch(l -> l.contains("principal=role:ra method=PUT route=/v1/services/{app}/{env} target=web/pr-7 class=client status=201"));
        assertThat(lines).anyMatch(l -> l.contains("principal=role:ra method=DELETE route=/v1/services/{app}/{env} target=web/pr-7 class=client status=200"));
        assertThat(lines).anyMatch(l -> l.contains("method=DELETE route=/v1/services/{app}/{env} class=client status=404"));
        assertThat(lines).anyMatch(l -> l.contains("method=GET route=/v1/services/{app}/{env} class=client status="));
        assertThat(lines).anyMatch(l -> l.contains("principal=admin:admin method=POST route=/v1/agents/{id}/drain target=" + agent[0] + " class=client"));
        assertThat(lines).anyMatch(l -> l.contains("principal=admin:admin method=DELETE route=/v1/tokens/{id} target=" + token.path("id").asText() + " class="));
        assertThat(lines).noneMatch(l -> l.contains("pr-8"));
    }

    @Test
    void agents_routine_traffic_is_below_the_default_level_and_their_failures_are_not() throws Exception {
        String beat = "/v1/agents/{id}/heartbeat";
        assertThat(RequestLog.routine(TrafficClass.AGENT, "PUT", beat, 200)).isTrue();
        assertThat(RequestLog.routine(TrafficClass.PROBE, "GET", "/v1/health", 200)).isTrue();
        assertThat(RequestLog.routine(TrafficClass.AGENT, "PUT", beat, 401)).isFalse();
        assertThat(RequestLog.routine(TrafficClass.AGENT, "PUT", beat, 503)).isFalse();
        assertThat(RequestLog.routine(TrafficClass.AGENT, "POST", "/v1/agents", 201)).as("a join: once per machine, and who let it in").isFalse();
        assertThat(RequestLog.routine(TrafficClass.CLIENT, "GET", "/v1/status", 200)).isFalse();
        assertThat(RequestLog.routine(TrafficClass.WATCH, "GET", "/v1/status", 200)).isFalse();
        log.level(Level.FINE); // as steward server sets it by default
        s = new LiveServer();
        String[] agent = s.agent("m1", "2", "2g"); // a join: logged, with the join token and where it came from
        s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{}"); // routine
        s.put("/v1/agents/" + agent[0] + "/heartbeat", "sta_" + "0".repeat(64), "{}"); // refused: logged
        send("/v1/status", "Bearer " + s.admin(), null);
        await().until(() -> lines.size() >= 3);
        assertThat(lines).hasSize(3); // in any order: a request's line is written once its answer is sent, so the next request's may come first
        assertThat(lines).anyMatch(l -> l.contains("remote=127.0.0.1 principal=join:") && l.contains("method=POST route=/v1/agents class=agent status=201"))
                .anyMatch(l -> l.contains("route=/v1/agents/{id}/heartbeat class=agent status=401"))
                .anyMatch(l -> l.contains("route=/v1/status"));
    }

    @Test
    void a_clients_request_id_is_logged_with_its_request() throws Exception {
        s = new LiveServer();
        send("/v1/status", "Bearer " + s.admin(), "jenkins-build-77.deploy");
        send("/v1/nowhere/at/all", "Bearer " + s.admin(), null);
        await().until(() -> lines.size() >= 2);
        assertThat(lines).anyMatch(l -> l.contains("request_id=jenkins-build-77.deploy remote=127.0.0.1 principal=admin:admin method=GET route=/v1/status"));
        assertThat(lines).anyMatch(l -> l.contains("route=unmatched") && l.contains("status=404"));
    }
}
