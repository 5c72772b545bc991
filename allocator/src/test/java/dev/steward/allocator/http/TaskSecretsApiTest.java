package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** A task's secrets over real HTTP: only the agent that runs the task reads a value; its creator, other roles, agents and the admin do not. */
class TaskSecretsApiTest {
    private static final String VALUE = "s3cr3t-" + "f".repeat(40);
    private final LiveServer s = new LiveServer();

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void only_the_tasks_own_agent_reads_a_secret_and_the_stored_copy_is_private() throws Exception {
        String[] a = s.agent("m1", "4", "8g");
        String[] other = s.agent("m2", "1", "1g");
        s.put("/v1/roles/ci", s.admin(), "{}");
        String ci = s.post("/v1/roles/ci/tokens", s.admin(), null).body().path("token").asText();
        String alloc = s.post("/v1/requests", ci, "{\"cpus\":\"2\",\"memory\":\"1g\",\"constraints\":[{\"attribute\":\"agent\",\"op\":\"=\",\"value\":\"" + a[0] + "\"}]}")
                .body().path("allocations").get(0).asText();

        LiveServer.Reply created = s.post("/v1/allocations/" + alloc + "/tasks", ci,
                "{\"name\":\"agent\",\"command\":\"/bin/true\",\"secrets\":{\"jenkins-agent-secret\":\"" + VALUE + "\"}}");
        assertThat(created.code()).as(String.valueOf(created.body())).isEqualTo(201);
        assertThat(created.body().path("spec").path("secrets").path("jenkins-agent-secret").asText()).isEqualTo("(redacted)");
        String task = created.body().path("id").asText();

        for (String token : new String[] {ci, s.admin()}) {
            assertThat(s.get("/v1/tasks/" + task, token).body().toString()).doesNotContain(VALUE).contains("(redacted)");
            assertThat(s.get("/v1/allocations/" + alloc + "/tasks", token).body().toString()).doesNotContain(VALUE);
        }
        assertThat(s.get("/v1/agents/" + a[0] + "/tasks", s.admin()).body().toString()).as("the admin reads the agent's list redacted")
                .doesNotContain(VALUE);
        assertThat(s.get("/v1/tasks/" + task, other[1]).code()).as("another agent does not see the task").isEqualTo(404);

        JsonNode mine = s.get("/v1/agents/" + a[0] + "/tasks", a[1]).body();
        assertThat(mine.get(0).path("spec").path("secrets").path("jenkins-agent-secret").asText()).isEqualTo(VALUE);
        assertThat(s.get("/v1/tasks/" + task, a[1]).body().path("spec").path("secrets").path("jenkins-agent-secret").asText()).isEqualTo(VALUE);
        assertThat(s.post("/v1/tasks/" + task + "/stop", ci, null).body().toString()).doesNotContain(VALUE);

        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(s.dir)))
                .as("the store that holds the value is its owner's alone").isEqualTo("rwx------");
    }

    @Test
    void a_bad_secret_is_refused_with_its_name_and_the_limit_and_never_quoted_back() {
        s.agent("m1", "4", "8g");
        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").body().path("allocations").get(0).asText();
        LiveServer.Reply badName = s.post("/v1/allocations/" + alloc + "/tasks", s.admin(),
                "{\"name\":\"t\",\"command\":\"/bin/true\",\"secrets\":{\"../escape\":\"" + VALUE + "\"}}");
        assertThat(badName.code()).isEqualTo(400);
        assertThat(badName.body().toString()).contains("secrets.../escape").contains("not a valid secret name").doesNotContain(VALUE);
        LiveServer.Reply tooBig = s.post("/v1/allocations/" + alloc + "/tasks", s.admin(),
                "{\"name\":\"t\",\"command\":\"/bin/true\",\"secrets\":{\"big\":\"" + "x".repeat(70_000) + "\"}}");
        assertThat(tooBig.code()).isEqualTo(400);
        assertThat(tooBig.body().toString()).contains("secrets.big").contains("70000 bytes, above the limit of 65536");
        assertThat(s.get("/v1/allocations/" + alloc + "/tasks", s.admin()).body()).as("nothing was stored").isEmpty();
    }
}
