package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.ControlChars;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What reaches a terminal through the command holds nothing the terminal acts on, whoever wrote
 * it. Against a real allocator, an agent (played over real HTTP, as a compromised or an older
 * agent could) reports its task failed with a reason full of escape sequences: a window title,
 * a screen clear, a one-character CSI, a bidi override, a forged line. The allocator keeps it as
 * one line, escaped, and {@code steward history}, {@code rollout status}, {@code services} and
 * the rollout's follow print it so. And against an allocator that answers escape sequences
 * itself (an impostor on a plain-HTTP address), the command's own filter writes every one of
 * them, on standard output and on standard error, as its visible escape.
 */
class TerminalEscapesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REASON = "exited with code 1 (stderr: \u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eFAKE\r\nsucceeded: all fine)";
    /** As the allocator keeps it: one line, escaped. */
    private static final String SHOWN = "exited with code 1 (stderr: \\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eFAKE\\r\\nsucceeded: all fine)";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private JsonNode call(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, url, r.body()).isBetween(200, 299);
        return JSON.readTree(r.body());
    }

    @Test
    void a_reason_full_of_escape_sequences_is_shown_escaped_and_kept_whole_in_json() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            Path v1 = DemoApps.sleeper(dir, "v1");
            String d1 = dev.steward.client.PackageClient.digestOf(v1);
            admin.packages().push(v1, d1);
            JsonNode joined = call("POST", s.url() + "/v1/agents", s.joinToken(),
                    "{\"name\":\"m1\",\"cpus\":\"2\",\"memory\":\"2g\",\"ports\":\"21000-21100\"}");
            String agent = joined.path("agent").path("id").asText();
            String agentToken = joined.path("token").asText();

            CliRun started = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--detach"));
            assertThat(started.code()).as(started.err()).isZero();
            String id = started.out().trim();
            JsonNode task = await().atMost(Duration.ofSeconds(30)).until(() -> call("GET", s.url() + "/v1/agents/" + agent + "/tasks", agentToken, null),
                    tasks -> tasks.size() == 1).get(0);
            String report = s.url() + "/v1/agents/" + agent + "/tasks/" + task.path("id").asText() + "/status";
            call("PUT", report, agentToken, "{\"seq\":1,\"state\":\"RUNNING\",\"pid\":4242}");
            call("PUT", report, agentToken, JSON.writeValueAsString(java.util.Map.of("seq", 2, "state", "FAILED", "exitCode", 1, "reason", REASON)));
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.deployments().deployment(id).state().terminal());

            for (String[] args : new String[][] {{"history", "web", "--env", "prod"}, {"rollout", "status", id}, {"services", "web", "--env", "prod"},
                    {"rollout", "watch", id}}) {
                CliRun shown = CliRun.of(CliRun.with(s, args));
                String all = shown.out() + shown.err();
                assertThat(all).as("steward %s", String.join(" ", args)).contains(SHOWN);
                assertThat(all.codePoints().noneMatch(ControlChars::acts)).as("steward %s printed: %s", String.join(" ", args), all).isTrue();
            }

            CliRun json = CliRun.of(CliRun.with(s, "rollout", "status", id, "-o", "json"));
            assertThat(json.out().codePoints().noneMatch(ControlChars::acts)).as(json.out()).isTrue();
            assertThat(JSON.readTree(json.out()).path("reason").asText()).as("kept as one line, escaped").contains(SHOWN);
        }
    }

    @Test
    void an_impostors_answers_reach_the_terminal_escaped_on_both_outputs() throws Exception {
        String evil = "\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eFAKE\r\u007f";
        String shown = "\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eFAKE\\r\\u007f";
        com.sun.net.httpserver.HttpServer impostor = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        impostor.createContext("/", ex -> {
            boolean tokens = ex.getRequestURI().getPath().equals("/v1/tokens");
            byte[] body = (tokens ? JSON.writeValueAsString(java.util.List.of(java.util.Map.of("id", "t1", "kind", "role", "subject", "web",
                    "description", evil, "createdAt", "2026-12-06T10:00:00Z"))) : JSON.writeValueAsString(java.util.Map.of("title", "Conflict", "status", 409, "detail", evil)))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", tokens ? "application/json" : "application/problem+json");
            ex.sendResponseHeaders(tokens ? 200 : 409, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        impostor.start();
        try {
            String addr = "http://127.0.0.1:" + impostor.getAddress().getPort();
            CliRun listed = CliRun.of("tokens", "--addr", addr, "--token", "sta_x");
            assertThat(listed.code()).as(listed.err()).isZero();
            assertThat(listed.out()).contains(shown);
            assertThat(listed.out().codePoints().noneMatch(ControlChars::acts)).as(listed.out()).isTrue();

            CliRun refused = CliRun.of("agents", "drain", "m1", "--addr", addr, "--token", "sta_x");
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains(shown);
            assertThat(refused.err().codePoints().noneMatch(ControlChars::acts)).as(refused.err()).isTrue();

            CliRun json = CliRun.of("tokens", "--addr", addr, "--token", "sta_x", "-o", "json");
            assertThat(json.out().codePoints().noneMatch(ControlChars::acts)).as(json.out()).isTrue();
            assertThat(JSON.readTree(json.out()).get(0).path("description").asText()).as("JSON that means the same").isEqualTo(evil);
        } finally {
            impostor.stop(0);
        }
    }
}
