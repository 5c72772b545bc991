package dev.steward.allocator.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A task's secrets never reach the disk in the clear: after a task with a secret is created (and
 * after the allocator restarts, after a key rotation, after an old plain record is read), the
 * bytes of the database file, its WAL and its shared memory do not hold the value, while the
 * task's agent still reads it whole.
 */
class SecretsAtRestTest {
    private final String value = "hunter2-" + UUID.randomUUID();
    private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();
    private Path dir;
    private Server server;

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("steward-secrets-test");
        server = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofHours(1)));
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private JsonNode call(String method, String path, String token, String body) throws IOException {
        Request.Builder b = new Request.Builder().url(server.url() + path).header("Authorization", "Bearer " + token);
        b.method(method, body == null ? (method.equals("POST") ? RequestBody.create(new byte[0], null) : null)
                : RequestBody.create(body, MediaType.get("application/json")));
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body().string();
            assertThat(r.code()).as("%s %s: %s", method, path, text).isLessThan(300);
            return Json.MAPPER.readTree(text);
        }
    }

    /** An agent, and a task with a secret on it; returns {agent id, agent token}. */
    private String[] taskWithSecret() throws IOException {
        JsonNode joined = call("POST", "/v1/agents", server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"8g\"}");
        String agent = joined.path("agent").path("id").asText();
        String alloc = call("POST", "/v1/requests", server.adminToken(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").path("allocations").get(0).asText();
        call("POST", "/v1/allocations/" + alloc + "/tasks", server.adminToken(),
                "{\"name\":\"t\",\"command\":\"/bin/true\",\"secrets\":{\"db-password\":\"" + value + "\"}}");
        return new String[] {agent, joined.path("token").asText()};
    }

    private String agentReads(String[] agent) throws IOException {
        return call("GET", "/v1/agents/" + agent[0] + "/tasks", agent[1], null).get(0).path("spec").path("secrets").path("db-password").asText();
    }

    /** Every file of the store (database, WAL, shared memory) that holds the value's bytes. */
    private List<String> filesHoldingTheValue() throws IOException {
        byte[] needle = value.getBytes(StandardCharsets.UTF_8);
        try (var files = Files.list(dir.resolve("data"))) {
            return files.filter(p -> p.getFileName().toString().startsWith("steward.db")).filter(p -> {
                try {
                    return indexOf(Files.readAllBytes(p), needle) >= 0;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(p -> p.getFileName().toString()).toList();
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void restart() throws IOException {
        server.close();
        server = null;
        server = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofHours(1)));
    }

    @Test
    void theValueIsSealedOnDiskAndOpensForItsAgentAcrossRestartsAndRotations() throws Exception {
        String[] agent = taskWithSecret();
        assertThat(dir.resolve("data/steward.db-wal")).exists();
        assertThat(filesHoldingTheValue()).as("the database, its WAL and shared memory").isEmpty();
        assertThat(agentReads(agent)).isEqualTo(value);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data/secrets.key")))).isEqualTo("rw-------");

        restart();
        assertThat(agentReads(agent)).as("opened again after a restart").isEqualTo(value);

        List<String> before = SecretKeys.open(dir.resolve("data/secrets.key")).ids();
        JsonNode rotated = call("POST", "/v1/secrets/rotate-key", server.adminToken(), null);
        assertThat(rotated.path("tasksResealed").asInt()).isEqualTo(1);
        List<String> after = SecretKeys.open(dir.resolve("data/secrets.key")).ids();
        assertThat(after).as("only the new key is left").hasSize(1).doesNotContainAnyElementsOf(before).containsExactly(rotated.path("activeKey").asText());
        assertThat(agentReads(agent)).isEqualTo(value);
        restart();
        assertThat(agentReads(agent)).as("sealed with the new key, opened with it after a restart").isEqualTo(value);
        assertThat(filesHoldingTheValue()).isEmpty();
    }

    @Test
    void aRecordStoredInTheClearBeforeSealingIsSealedAndScrubbedAtStart() throws Exception {
        String[] agent = taskWithSecret();
        server.close();
        server = null;
        // as an allocator before sealing stored it: the value in the clear in the task's row
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/steward.db")); var st = db.createStatement()) {
            st.execute("UPDATE tasks SET json = json_set(json, '$.spec.secrets.\"db-password\"', '" + value + "')");
        }
        assertThat(filesHoldingTheValue()).as("the set-up wrote it in the clear").isNotEmpty();

        server = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofHours(1)));
        assertThat(agentReads(agent)).isEqualTo(value);
        assertThat(filesHoldingTheValue()).as("sealed again, the WAL truncated and the file vacuumed").isEmpty();
    }

    @Test
    void aKeyFileOthersMayReadIsRefusedAndSayHowToFixIt() throws Exception {
        server.close();
        server = null;
        Files.setPosixFilePermissions(dir.resolve("data/secrets.key"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Server.start(ServerConfig.of(dir.resolve("data"))))
                .hasMessageContaining("secrets.key").hasMessageContaining("chmod 600");
    }

    @Test
    void aSealedValueOpensOnlyWhereItWasSealed() throws Exception {
        SecretKeys keys = SecretKeys.open(dir.resolve("other.key"));
        String sealed = keys.seal("task-1", "db-password", value);
        assertThat(sealed).startsWith(SecretKeys.PREFIX).doesNotContain(value);
        assertThat(keys.open("task-1", "db-password", sealed)).isEqualTo(value);
        assertThatThrownBy(() -> keys.open("task-2", "db-password", sealed)).hasMessageContaining("altered or moved");
        assertThatThrownBy(() -> keys.open("task-1", "api-key", sealed)).hasMessageContaining("altered or moved");
        String flipped = sealed.substring(0, sealed.length() - 3) + (sealed.charAt(sealed.length() - 3) == 'A' ? 'B' : 'A') + sealed.substring(sealed.length() - 2);
        assertThatThrownBy(() -> keys.open("task-1", "db-password", flipped)).hasMessageContaining("altered or moved");
        assertThat(keys.seal("task-1", "db-password", value)).as("a fresh nonce each time").isNotEqualTo(sealed);
    }
}
