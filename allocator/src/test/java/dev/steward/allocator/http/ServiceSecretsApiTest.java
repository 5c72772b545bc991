package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Service secrets over real HTTP, on a real allocator and its real store: a role sets them for
 * its service, a deploy names them, the service's instances get the values (their agent alone
 * reads them), no other reader sees one, another role reaches none, the disk holds them sealed,
 * and they outlive a restart and a key rotation.
 */
class ServiceSecretsApiTest {
    private final String first = "pw-one-" + UUID.randomUUID();
    private final String second = "pw-two-" + UUID.randomUUID();
    private final String third = "pw-three-" + UUID.randomUUID();

    private static String deployBody(String digest, int instances) {
        return "{\"packageDigest\":\"" + digest + "\",\"instances\":" + instances + ",\"cpus\":\"0.1\",\"memory\":\"16m\",\"secrets\":[\"db-password\"]}";
    }

    /** The value of db-password in each of the agent's tasks that has one, as the agent reads them. */
    private static List<String> agentReads(LiveServer s, String[] agent) {
        return agentReads(s, agent, "db-password");
    }

    /** The value of secret {@code name} in each of the agent's tasks that has one and is not killed, as the agent reads them. */
    private static List<String> agentReads(LiveServer s, String[] agent, String name) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode t : s.get("/v1/agents/" + agent[0] + "/tasks", agent[1]).body()) {
            JsonNode v = t.path("spec").path("secrets").path(name);
            if (!v.isMissingNode() && !t.path("state").asText().equals("KILLED")) {
                out.add(v.asText());
            }
        }
        return out;
    }

    @Test
    void a_services_instances_get_its_secrets_and_no_one_else_reads_them() throws Exception {
        Path dir = Files.createTempDirectory("steward-service-secrets");
        try {
            String ci;
            String[] agent;
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                agent = s.agent("m1", "4", "8g");
                s.put("/v1/roles/ci", s.admin(), "{}");
                s.put("/v1/roles/other", s.admin(), "{}");
                ci = s.post("/v1/roles/ci/tokens", s.admin(), null).body().path("token").asText();
                String other = s.post("/v1/roles/other/tokens", s.admin(), null).body().path("token").asText();
                String digest = s.uploadScript("sleep 1000", ci);

                LiveServer.Reply early = s.put("/v1/services/web/prod", ci, deployBody(digest, 1));
                assertThat(early.code()).as(String.valueOf(early.body())).isEqualTo(409);
                assertThat(early.body().path("detail").asText()).contains("secret db-password is not set for web/prod")
                        .contains("steward secrets set web --env prod db-password");
                assertThat(s.get("/v1/services/web/prod", ci).code()).as("the refused deploy made nothing").isEqualTo(404);

                LiveServer.Reply set = s.put("/v1/services/web/prod/secrets/db-password", ci, "{\"value\":\"" + first + "\"}");
                assertThat(set.code()).as(String.valueOf(set.body())).isEqualTo(201);
                assertThat(set.body().path("version").asInt()).isEqualTo(1);
                assertThat(set.body().path("role").asText()).isEqualTo("ci");
                assertThat(set.body().toString()).doesNotContain(first);
                LiveServer.Reply same = s.put("/v1/services/web/prod/secrets/db-password", ci, "{\"value\":\"" + first + "\"}");
                assertThat(same.code()).isEqualTo(200);
                assertThat(same.body().path("version").asInt()).as("the same value again (a retried call) is no new version").isEqualTo(1);
                LiveServer.Reply again = s.put("/v1/services/web/prod/secrets/db-password", ci, "{\"value\":\"" + second + "\"}");
                assertThat(again.code()).isEqualTo(200);
                assertThat(again.body().path("version").asInt()).isEqualTo(2);

                LiveServer.Reply deployed = s.put("/v1/services/web/prod", ci, deployBody(digest, 1));
                assertThat(deployed.code()).as(String.valueOf(deployed.body())).isEqualTo(201);
                assertThat(deployed.body().path("revision").path("spec").path("secrets").path("db-password").asInt()).isEqualTo(2);
                await().atMost(Duration.ofSeconds(30)).until(() -> agentReads(s, agent).equals(List.of(second)));

                for (String path : List.of("/v1/services/web/prod", "/v1/services/web/prod/revisions", "/v1/services/web/prod/instances",
                        "/v1/services/web/prod/deployments", "/v1/services/web/prod/secrets", "/v1/agents/" + agent[0] + "/tasks")) {
                    for (String token : new String[] {ci, s.admin()}) {
                        LiveServer.Reply r = s.get(path, token);
                        assertThat(String.valueOf(r.body())).as(path).doesNotContain(first).doesNotContain(second);
                    }
                }
                JsonNode listed = s.get("/v1/services/web/prod/secrets", ci).body();
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).path("name").asText()).isEqualTo("db-password");
                assertThat(listed.get(0).path("usedBy").toString()).isEqualTo("[1]");
                assertThat(s.get("/v1/services/web/prod/secrets", s.admin()).body().get(0).path("role").asText()).isEqualTo("ci");

                // another role finds the service's secrets not there, for every method, and changes nothing
                assertThat(s.get("/v1/services/web/prod/secrets", other).code()).isEqualTo(404);
                assertThat(s.put("/v1/services/web/prod/secrets/db-password", other, "{\"value\":\"stolen\"}").code()).isEqualTo(404);
                assertThat(s.call("DELETE", "/v1/services/web/prod/secrets/db-password", other, null).code()).isEqualTo(404);
                assertThat(s.put("/v1/services/web/new/secrets/x?role=ci", other, "{\"value\":\"planted\"}").code())
                        .as("a role token names no other role").isEqualTo(403);
                assertThat(s.put("/v1/services/web/new/secrets/x?role=other", other, "{\"value\":\"its own\"}").code()).isEqualTo(201);
                assertThat(s.get("/v1/services/web/prod/secrets", ci).body().get(0).path("version").asInt()).isEqualTo(2);

                LiveServer.Reply inUse = s.call("DELETE", "/v1/services/web/prod/secrets/db-password", ci, null);
                assertThat(inUse.code()).isEqualTo(409);
                assertThat(inUse.body().path("detail").asText()).contains("used by revision 1 (").contains("deploy without it first");

                LiveServer.Reply noop = s.put("/v1/services/web/prod", ci, deployBody(digest, 1));
                assertThat(noop.body().path("noop").asBoolean()).as("the same package, config and secret versions: " + noop.body()).isTrue();

                // set again: the same deploy is now a new revision, which the plan shows by version
                s.put("/v1/services/web/prod/secrets/db-password", ci, "{\"value\":\"" + third + "\"}");
                LiveServer.Reply plan = s.post("/v1/services/web/prod/plan", ci, deployBody(digest, 1));
                assertThat(plan.body().path("action").asText()).isEqualTo("NEW_REVISION");
                assertThat(plan.body().path("changes").toString()).contains("secrets.db-password").contains("version 2").contains("version 3")
                        .doesNotContain(third);
                assertThat(s.put("/v1/services/web/prod", ci, deployBody(digest, 1)).code()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(30)).until(() -> agentReads(s, agent).contains(third));

                assertThat(filesHolding(dir, first, second, third)).as("the database, its WAL and shared memory hold the values sealed").isEmpty();
                JsonNode rotated = s.post("/v1/secrets/rotate-key", s.admin(), null).body();
                assertThat(rotated.path("serviceSecretsResealed").asInt()).as("web/prod's and the other role's of web/new").isEqualTo(2);
            }
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                JsonNode listed = s.get("/v1/services/web/prod/secrets", ci).body();
                assertThat(listed.get(0).path("version").asInt()).as("kept across a restart").isEqualTo(3);
                String[] more = s.agent("m2", "4", "8g");
                String digest = s.get("/v1/services/web/prod/revisions", ci).body().get(0).path("spec").path("packageDigest").asText();
                LiveServer.Reply scaled = s.put("/v1/services/web/prod", ci, deployBody(digest, 2));
                assertThat(scaled.code()).as(String.valueOf(scaled.body())).isLessThan(300);
                assertThat(scaled.body().path("message").asText()).contains("scaled to 2 instances");
                String[] m1 = agent;
                await("the new instance's task has the value, opened after the rotation and the restart").atMost(Duration.ofSeconds(30))
                        .until(() -> java.util.stream.Stream.concat(agentReads(s, m1).stream(), agentReads(s, more).stream())
                                .filter(third::equals).count() >= 2);
                assertThat(filesHolding(dir, first, second, third)).isEmpty();
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void a_rollback_runs_with_the_secrets_current_versions_and_is_refused_once_one_is_deleted() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "4g");
            String spec = ",\"cpus\":\"0.1\",\"memory\":\"16m\",\"minHealthyTime\":\"0s\"}";
            assertThat(s.put("/v1/services/web/prod/secrets/a", s.admin(), "{\"value\":\"" + first + "\"}").code()).isEqualTo(201);
            assertThat(s.put("/v1/services/web/prod/secrets/b", s.admin(), "{\"value\":\"" + first + "\"}").code()).isEqualTo(201);
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"secrets\":[\"a\"]" + spec).code()).isEqualTo(201);
            awaitStable(s, m1, 1);
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"secrets\":[\"b\"]" + spec).code()).isEqualTo(201);
            awaitStable(s, m1, 2);
            assertThat(s.get("/v1/services/web/prod/secrets", s.admin()).body().findValuesAsText("name")).containsExactly("a", "b");
            assertThat(s.get("/v1/services/web/prod/secrets", s.admin()).body().get(0).path("usedBy").toString())
                    .as("revision 1 neither runs nor is stable any more").isEqualTo("[]");

            s.put("/v1/services/web/prod/secrets/a", s.admin(), "{\"value\":\"" + second + "\"}");
            LiveServer.Reply plan = s.post("/v1/services/web/prod/rollback/plan", s.admin(), "{\"revision\":1}");
            assertThat(plan.code()).as(String.valueOf(plan.body())).isEqualTo(200);
            assertThat(plan.body().path("changes").toString()).contains("secrets.a").contains("version 2").contains("secrets.b");

            assertThat(s.call("DELETE", "/v1/services/web/prod/secrets/a", s.admin(), null).code()).as("no runnable revision uses it").isEqualTo(200);
            for (String path : List.of("/v1/services/web/prod/rollback/plan", "/v1/services/web/prod/rollback")) {
                LiveServer.Reply refused = s.post(path, s.admin(), "{\"revision\":1}");
                assertThat(refused.code()).as(path + " " + refused.body()).isEqualTo(409);
                assertThat(refused.body().path("detail").asText()).contains("secret a is not set for web/prod");
            }
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("revision").asInt()).as("the refused rollback made nothing").isEqualTo(2);

            s.put("/v1/services/web/prod/secrets/a", s.admin(), "{\"value\":\"" + third + "\"}");
            LiveServer.Reply back = s.post("/v1/services/web/prod/rollback", s.admin(), "{\"revision\":1}");
            assertThat(back.code()).as(String.valueOf(back.body())).isEqualTo(201);
            assertThat(back.body().path("revision").path("spec").path("secrets").toString()).as("the current version, not revision 1's")
                    .isEqualTo("{\"a\":1}");
            await().atMost(Duration.ofSeconds(30)).until(() -> agentReads(s, m1, "a").contains(third));
        }
    }

    @Test
    void a_promotion_takes_the_secrets_names_and_the_target_environments_values() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "4g");
            s.put("/v1/services/web/staging/secrets/db-password", s.admin(), "{\"value\":\"" + first + "\"}");
            assertThat(s.put("/v1/services/web/staging", s.admin(), deployBody(digest, 1).replace("}", ",\"minHealthyTime\":\"0s\"}")).code())
                    .isEqualTo(201);
            awaitStable(s, m1, "web/staging", 1);

            LiveServer.Reply lacking = s.put("/v1/services/web/prod", s.admin(), "{\"promoteFrom\":\"staging\"}");
            assertThat(lacking.code()).isEqualTo(409);
            assertThat(lacking.body().path("detail").asText()).contains("secret db-password is not set for web/prod");

            s.put("/v1/services/web/prod/secrets/db-password", s.admin(), "{\"value\":\"" + second + "\"}");
            s.put("/v1/services/web/prod/secrets/db-password", s.admin(), "{\"value\":\"" + third + "\"}");
            LiveServer.Reply promoted = s.put("/v1/services/web/prod", s.admin(), "{\"promoteFrom\":\"staging\"}");
            assertThat(promoted.code()).as(String.valueOf(promoted.body())).isEqualTo(201);
            assertThat(promoted.body().path("revision").path("spec").path("secrets").toString()).as("prod's version").isEqualTo("{\"db-password\":2}");
            await().atMost(Duration.ofSeconds(30)).until(() -> agentReads(s, m1).containsAll(List.of(first, third)));
            assertThat(agentReads(s, m1)).as("staging's instance has staging's value, prod's has prod's").containsExactlyInAnyOrder(first, third);
        }
    }

    /** Plays agent {@code m} until revision {@code n} of web/prod is stable. */
    private static void awaitStable(LiveServer s, String[] m, int n) {
        awaitStable(s, m, "web/prod", n);
    }

    /** Plays agent {@code m} until revision {@code n} of {@code service} is stable. */
    private static void awaitStable(LiveServer s, String[] m, String service, int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            s.play(m);
            return s.get("/v1/services/" + service, s.admin()).body().path("stableRevision").asInt() == n;
        });
    }

    @Test
    void bad_secrets_are_refused_naming_the_field_and_the_limit_and_never_quoted() {
        try (LiveServer s = new LiveServer(c -> c.withBounds(c.bounds().withMaxSecrets(2)))) {
            String secret = "never-" + UUID.randomUUID();
            LiveServer.Reply badName = s.put("/v1/services/web/prod/secrets/..%2Fescape", s.admin(), "{\"value\":\"" + secret + "\"}");
            assertThat(badName.code()).isEqualTo(400);
            assertThat(badName.body().toString()).contains("name").contains("not a valid secret name").doesNotContain(secret);
            LiveServer.Reply big = s.put("/v1/services/web/prod/secrets/big", s.admin(), "{\"value\":\"" + "x".repeat(70_000) + "\"}");
            assertThat(big.code()).isEqualTo(400);
            assertThat(big.body().toString()).contains("value").contains("70000 bytes, above the limit of 65536");
            LiveServer.Reply none = s.put("/v1/services/web/prod/secrets/empty", s.admin(), "{}");
            assertThat(none.code()).isEqualTo(400);
            assertThat(none.body().toString()).contains("value").contains("required");
            assertThat(s.put("/v1/services/web/prod/secrets/a", s.admin(), "{\"value\":\"1\"}").code()).isEqualTo(201);
            assertThat(s.put("/v1/services/web/staging/secrets/b", s.admin(), "{\"value\":\"2\"}").code()).isEqualTo(201);
            LiveServer.Reply third = s.put("/v1/services/web/prod/secrets/c", s.admin(), "{\"value\":\"3\"}");
            assertThat(third.code()).isEqualTo(409);
            assertThat(third.body().path("detail").asText()).contains("--max-secrets-per-role is 2");
            assertThat(s.put("/v1/services/web/prod/secrets/a", s.admin(), "{\"value\":\"4\"}").code()).as("a new version is no new secret").isEqualTo(200);
            assertThat(s.put("/v1/services/web/prod/secrets/x?role=nobody", s.admin(), "{\"value\":\"4\"}").code()).isEqualTo(404);
            assertThat(s.call("DELETE", "/v1/services/web/prod/secrets/missing", s.admin(), null).code()).isEqualTo(404);
            assertThat(s.call("DELETE", "/v1/services/web/prod/secrets/a", s.admin(), null).code()).as("no service uses it").isEqualTo(200);
            assertThat(s.get("/v1/services/web/prod/secrets", s.admin()).code()).as("nothing of that name any more").isEqualTo(404);
            assertThat(s.get("/v1/services/web/staging/secrets", s.admin()).body()).hasSize(1);
            assertThat(s.put("/v1/services/web/prod/secrets/c", s.admin(), "{\"value\":\"3\"}").code()).as("a deleted secret frees its place").isEqualTo(201);
            assertThat(s.put("/v1/services/web/prod/secrets/d", s.admin(), "{\"value\":\"3\"}").code()).isEqualTo(409);
        }
    }

    /** Every file of the store in {@code dir} (database, WAL, shared memory) that holds one of {@code values}. */
    private static List<String> filesHolding(Path dir, String... values) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("steward.db")).toList()) {
                String bytes = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                for (String v : values) {
                    if (bytes.contains(v)) {
                        out.add(p.getFileName() + " holds " + v);
                    }
                }
            }
        }
        return out;
    }
}
