package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steward.allocator.Json;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The allocator as a separate process ({@code steward server}), killed with SIGKILL and restarted on the same data directory. */
class CrashRecoveryTest {
    private static final MediaType JSON = MediaType.get("application/json");
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
    private final List<Process> processes = new ArrayList<>();
    private Path dir;
    private String url;
    private String admin;

    @AfterEach
    void cleanUp() throws IOException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        http.dispatcher().executorService().shutdown();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Process start() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("steward-crash");
        }
        Files.deleteIfExists(dir.resolve("server.addr"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "server",
                "--data", dir.toString(), "--bind", "127.0.0.1:0", "--heartbeat-grace", "5m")
                .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        processes.add(p);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("server.addr")) || !p.isAlive());
        assertThat(p.isAlive()).as("server died at start: %s", Files.exists(dir.resolve("server.log")) ? Files.readString(dir.resolve("server.log")) : "").isTrue();
        url = Files.readString(dir.resolve("server.addr")).trim();
        admin = Files.readString(dir.resolve("admin.token")).trim();
        return p;
    }

    private JsonNode call(String method, String path, String token, String body) throws IOException {
        Request.Builder b = new Request.Builder().url(url + path).header("Authorization", "Bearer " + token);
        b.method(method, body == null ? (method.equals("GET") ? null : RequestBody.create(new byte[0], null)) : RequestBody.create(body, JSON));
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body().string();
            if (r.code() >= 300) {
                throw new IOException(method + " " + path + " -> " + r.code() + " " + text);
            }
            return Json.MAPPER.readTree(text);
        }
    }

    private void kill9(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook runs
        assertThat(p.waitFor()).isEqualTo(137);
    }

    /** Everything a client can read back, without the fields a restart legitimately refreshes. */
    private JsonNode snapshot(String roleToken) throws IOException {
        ObjectNode s = Json.MAPPER.createObjectNode();
        JsonNode agents = call("GET", "/v1/agents", admin, null);
        agents.forEach(a -> ((ObjectNode) a).remove("lastHeartbeat"));
        s.set("agents", agents);
        s.set("roles", call("GET", "/v1/roles", admin, null));
        s.set("requests", call("GET", "/v1/requests", admin, null));
        s.set("allocations", call("GET", "/v1/allocations", admin, null));
        s.set("ciSees", call("GET", "/v1/allocations", roleToken, null));
        s.put("index", call("GET", "/v1/status", admin, null).path("index").asLong());
        return s;
    }

    @Test
    void after_kill_9_and_restart_every_agent_role_request_allocation_lease_and_the_index_come_back() throws Exception {
        Process p = start();
        JsonNode m1 = call("POST", "/v1/agents", Files.readString(dir.resolve("join.token")).trim(),
                "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"8g\",\"gpus\":2,\"gpuModel\":\"A100\",\"ports\":\"25000-25010\"}");
        call("POST", "/v1/agents", admin, "{\"name\":\"m2\",\"cpus\":\"2\",\"memory\":\"2g\"}");
        call("PUT", "/v1/roles/ci", admin, "{\"weight\":3,\"guarantee\":{\"cpus\":\"1\"},\"limit\":{\"memory\":\"6g\"}}");
        String ci = call("POST", "/v1/roles/ci/tokens", admin, "{\"description\":\"controller\"}").path("token").asText();
        JsonNode r1 = call("POST", "/v1/requests", ci, "{\"cpus\":\"1\",\"memory\":\"1g\",\"count\":2,\"ports\":[\"http\"],\"gpus\":\"0.5\",\"ttl\":\"10m\"}");
        JsonNode r2 = call("POST", "/v1/requests", ci, "{\"cpus\":\"1\",\"memory\":\"4g\",\"count\":3}");
        call("POST", "/v1/allocations/" + r1.path("allocations").get(0).asText() + "/renew", ci, "{\"ttl\":\"20m\"}");
        call("POST", "/v1/allocations/" + r2.path("allocations").get(0).asText() + "/release", ci, null);
        call("POST", "/v1/agents/" + m1.path("agent").path("id").asText() + "/drain", admin, null);
        JsonNode before = snapshot(ci);
        assertThat(before.path("requests").toString()).contains("PENDING").contains("at its limit").doesNotContain("\"why\":null");

        kill9(p);
        start();
        JsonNode after = snapshot(ci);
        assertThat(after).isEqualTo(before);
        // the agent's own token still works after the restart
        call("PUT", "/v1/agents/" + m1.path("agent").path("id").asText() + "/heartbeat", m1.path("token").asText(), null);

        // the request log kept every line of the killed run (each is flushed as written) and goes on after the restart, with no token in it
        call("GET", "/v1/roles/ci", ci, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(dir.resolve("access.log.0")).contains("principal=role:ci method=GET route=/v1/roles/{name}"));
        String log = Files.readString(dir.resolve("access.log.0"));
        assertThat(log).contains("principal=role:ci method=POST route=/v1/requests class=client status=201")
                .contains("principal=admin:admin method=POST route=/v1/agents/{id}/drain");
        for (String token : List.of(admin, ci, m1.path("token").asText(), Files.readString(dir.resolve("join.token")).trim())) {
            assertThat(log).doesNotContain(token);
        }
    }

    @Test
    void every_acknowledged_request_survives_a_kill_9_in_the_middle_of_a_stream_of_writes() throws Exception {
        Process p = start();
        call("POST", "/v1/agents", admin, "{\"name\":\"big\",\"cpus\":\"4000\",\"memory\":\"64t\"}");
        List<String> acknowledged = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            while (!stop.get()) {
                try {
                    acknowledged.add(call("POST", "/v1/requests", admin, "{\"cpus\":\"0.1\",\"memory\":\"64m\"}").path("id").asText());
                } catch (IOException e) {
                    return; // the server died under us: this one was never acknowledged
                }
            }
        });
        writer.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 40);
        kill9(p);
        stop.set(true);
        writer.join(30_000);
        List<String> acked = List.copyOf(acknowledged);

        start();
        JsonNode requests = call("GET", "/v1/requests", admin, null);
        List<String> ids = new ArrayList<>();
        requests.forEach(r -> ids.add(r.path("id").asText()));
        assertThat(ids).containsAll(acked);
        assertThat(ids).doesNotHaveDuplicates();
        JsonNode allocations = call("GET", "/v1/allocations", admin, null);
        assertThat(allocations.size()).as("one allocation per placed request, none duplicated").isEqualTo(ids.size());
    }
}
