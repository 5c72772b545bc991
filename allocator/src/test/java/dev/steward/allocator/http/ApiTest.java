package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The REST API over real HTTP on loopback: the happy paths, tokens, and blocking queries. */
class ApiTest {
    private final LiveServer s = new LiveServer();

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void health_needs_no_token_and_everything_else_does() {
        assertThat(s.get("/v1/health", null).code()).isEqualTo(200);
        LiveServer.Reply r = s.get("/v1/status", null);
        assertThat(r.code()).isEqualTo(401);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.body().path("detail").asText()).contains("Authorization: Bearer");
        assertThat(s.get("/v1/status", "not-a-token").code()).isEqualTo(401);
        assertThat(s.get("/v1/status", s.admin()).code()).isEqualTo(200);
    }

    @Test
    void the_admin_token_file_is_private_to_its_owner() throws Exception {
        var perms = java.nio.file.Files.getPosixFilePermissions(s.dir.resolve("admin.token"));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(perms)).isEqualTo("rw-------");
    }

    @Test
    void an_agent_running_many_tasks_is_heard_its_usage_has_two_figures_per_task() {
        String[] a = s.agent("busy", "64", "64g");
        StringBuilder usage = new StringBuilder("{\"usage\":{\"tasksRunning\":40,\"taskMemoryMib\":1280");
        for (int i = 0; i < 40; i++) { // an agent reports mem: and cpu: per running task: 82 figures for 40 tasks
            usage.append(",\"mem:t").append(i).append("\":32,\"cpu:t").append(i).append("\":").append(i);
        }
        var r = s.put("/v1/agents/" + a[0] + "/heartbeat", a[1], usage.append("}}").toString());
        assertThat(r.code()).as(r.body().toString()).isEqualTo(200);
        assertThat(s.get("/v1/agents/" + a[0], a[1]).body().path("usage").path("cpu:t39").asLong()).isEqualTo(39);
        String tooMany = "{\"usage\":{" + java.util.stream.IntStream.range(0, 10_001).mapToObj(i -> "\"k" + i + "\":1")
                .collect(java.util.stream.Collectors.joining(",")) + "}}";
        var refused = s.put("/v1/agents/" + a[0] + "/heartbeat", a[1], tooMany);
        assertThat(refused.code()).isEqualTo(400);
        assertThat(refused.body().path("detail").asText()).contains("usage").contains("10000");
    }

    @Test
    void an_agent_joins_heartbeats_and_sees_only_its_own_business() {
        String[] a = s.agent("m1", "4", "8g");
        String[] b = s.agent("m2", "4", "8g");
        assertThat(s.put("/v1/agents/" + a[0] + "/heartbeat", a[1], "{\"usage\":{\"cpuMillis\":120}}").code()).isEqualTo(200);
        assertThat(s.put("/v1/agents/" + b[0] + "/heartbeat", a[1], null).code()).isEqualTo(403);
        assertThat(s.post("/v1/agents/" + a[0] + "/drain", a[1], null).code()).as("agents may not drain").isEqualTo(403);
        assertThat(s.post("/v1/agents", a[1], "{}").code()).as("an agent token is not a join token").isEqualTo(403);
        JsonNode me = s.get("/v1/agents/" + a[0], a[1]).body();
        assertThat(me.path("usage").path("cpuMillis").asLong()).isEqualTo(120);
        assertThat(s.post("/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"1\",\"memory\":\"1g\"}").code())
                .as("a second ready agent with the same name").isEqualTo(409);
    }

    @Test
    void a_role_token_requests_for_its_role_and_cannot_touch_another_roles_work() {
        s.agent("m1", "8", "16g");
        assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":2,\"limit\":{\"cpus\":\"4\"}}").code()).isEqualTo(200);
        assertThat(s.put("/v1/roles/farm", s.admin(), "{}").code()).isEqualTo(200);
        String ci = s.post("/v1/roles/ci/tokens", s.admin(), "{\"description\":\"jenkins controller\"}").body().path("token").asText();
        String farm = s.post("/v1/roles/farm/tokens", s.admin(), null).body().path("token").asText();
        LiveServer.Reply notAdmin = s.put("/v1/roles/ci", ci, "{}");
        assertThat(notAdmin.code()).as("a role cannot change roles").isEqualTo(403);
        assertThat(notAdmin.body().path("detail").asText()).as("and is told whose token it takes")
                .isEqualTo("role ci may not PUT /v1/roles/{name}; it takes the admin's token");

        LiveServer.Reply r = s.post("/v1/requests", ci, "{\"cpus\":\"2\",\"memory\":\"1g\",\"count\":3,\"ports\":[\"http\"],\"ttl\":\"5m\"}");
        assertThat(r.code()).isEqualTo(201);
        assertThat(r.body().path("role").asText()).isEqualTo("ci");
        assertThat(r.body().path("placed").asInt()).isEqualTo(2);
        assertThat(r.body().path("why").path("summary").asText()).contains("role 'ci' is at its limit: cpus would be 6, above the limit of 4")
                .as("a release by the role can make room for this one").doesNotContain("by itself");
        // one that no release can ever make room for says so, instead of looking like a wait for the role's other work
        LiveServer.Reply never = s.post("/v1/requests", ci, "{\"cpus\":\"5\",\"memory\":\"1g\"}");
        assertThat(never.code()).isEqualTo(201);
        assertThat(never.body().path("why").path("summary").asText()).contains("role 'ci' is at its limit: cpus would be 9, above the limit of 4; "
                + "what is asked is above it by itself, so it waits until the limit is raised");
        assertThat(s.call("DELETE", "/v1/requests/" + never.body().path("id").asText(), ci, null).code()).isEqualTo(200);
        String reqId = r.body().path("id").asText();
        String allocId = r.body().path("allocations").get(0).asText();

        assertThat(s.post("/v1/requests", ci, "{\"role\":\"farm\"}").code()).isEqualTo(400);
        assertThat(s.get("/v1/requests/" + reqId, farm).code()).as("other roles do not see it").isEqualTo(404);
        assertThat(s.post("/v1/allocations/" + allocId + "/release", farm, null).code()).isEqualTo(404);
        assertThat(s.get("/v1/allocations?role=ci", farm).body()).isEmpty();

        JsonNode alloc = s.get("/v1/allocations/" + allocId, ci).body();
        assertThat(alloc.path("ports").path("http").asInt()).isBetween(21000, 21100);
        assertThat(alloc.path("state").asText()).isEqualTo("ALLOCATED");
        assertThat(s.post("/v1/allocations/" + allocId + "/renew", ci, "{\"ttl\":\"10m\"}").body().path("ttlMillis").asLong()).isEqualTo(600_000);
        JsonNode released = s.post("/v1/allocations/" + allocId + "/release", ci, null).body();
        assertThat(released.path("state").asText()).isEqualTo("RELEASED");
        assertThat(released.path("reason").asText()).isEqualTo("released by role ci");
        LiveServer.Reply again = s.post("/v1/allocations/" + allocId + "/release", ci, null);
        assertThat(again.code()).isEqualTo(200);
        assertThat(again.body().path("state").asText()).isEqualTo("RELEASED");
        assertThat(s.post("/v1/allocations/" + allocId + "/renew", ci, null).code()).isEqualTo(409);
        assertThat(s.get("/v1/requests/" + reqId, ci).body().path("placed").asInt()).as("the freed cpus went to the pending third").isEqualTo(3);
    }

    @Test
    void a_blocking_query_returns_when_the_index_passes_and_otherwise_after_the_wait() throws Exception {
        s.agent("m1", "2", "2g");
        LiveServer.Reply r = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}");
        String id = r.body().path("allocations").get(0).asText();
        long index = Long.parseLong(s.get("/v1/allocations/" + id, s.admin()).index());

        long t0 = System.nanoTime();
        LiveServer.Reply idle = s.get("/v1/allocations/" + id + "?index=" + index + "&wait=300ms", s.admin());
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(250_000_000L);
        assertThat(idle.index()).isEqualTo(String.valueOf(index));

        CompletableFuture<LiveServer.Reply> watch = CompletableFuture.supplyAsync(() -> s.get("/v1/allocations/" + id + "?index=" + index + "&wait=30s", s.admin()));
        s.post("/v1/allocations/" + id + "/release", s.admin(), null);
        LiveServer.Reply woke = watch.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Long.parseLong(woke.index())).isGreaterThan(index);
        assertThat(woke.body().path("state").asText()).isEqualTo("RELEASED");
    }

    @Test
    void draining_an_agent_asks_its_allocations_to_leave() {
        String[] a = s.agent("m1", "2", "2g");
        String id = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\"}").body().path("allocations").get(0).asText();
        assertThat(s.post("/v1/agents/" + a[0] + "/drain", s.admin(), null).body().path("draining").asBoolean()).isTrue();
        JsonNode mine = s.get("/v1/agents/" + a[0] + "/allocations", a[1]).body();
        assertThat(mine.get(0).path("id").asText()).isEqualTo(id);
        assertThat(mine.get(0).path("state").asText()).isEqualTo("LEAVING");
        JsonNode pending = s.post("/v1/requests", s.admin(), "{\"cpus\":\"0.5\"}").body();
        assertThat(pending.path("why").path("summary").asText()).isEqualTo("1 agent: 1 draining");
        assertThat(s.post("/v1/agents/" + a[0] + "/enable", s.admin(), null).body().path("draining").asBoolean()).isFalse();
        assertThat(s.get("/v1/requests/" + pending.path("id").asText(), s.admin()).body().path("state").asText()).isEqualTo("PLACED");
    }

    @Test
    void cancelling_a_request_releases_its_allocations() {
        s.agent("m1", "2", "2g");
        JsonNode r = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"count\":2}").body();
        JsonNode c = s.call("DELETE", "/v1/requests/" + r.path("id").asText(), s.admin(), null).body();
        assertThat(c.path("state").asText()).isEqualTo("CANCELLED");
        assertThat(s.get("/v1/allocations?state=released", s.admin()).body()).hasSize(2);
    }

    @Test
    void an_agent_updates_what_it_reports_but_not_its_name() {
        String[] a = s.agent("m1", "2", "2g");
        LiveServer.Reply r = s.put("/v1/agents/" + a[0], a[1], "{\"name\":\"m1\",\"cpus\":\"8\",\"memory\":\"16g\",\"attributes\":{\"os\":\"linux\",\"rack\":\"r7\"}}");
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().path("total").path("cpuMillis").asLong()).isEqualTo(8000);
        assertThat(r.body().path("attributes").path("rack").asText()).isEqualTo("r7");
        LiveServer.Reply renamed = s.put("/v1/agents/" + a[0], a[1], "{\"name\":\"m2\",\"cpus\":\"8\",\"memory\":\"16g\"}");
        assertThat(renamed.code()).isEqualTo(400);
        assertThat(renamed.body().path("field").asText()).isEqualTo("name");
    }

    @Test
    void a_silent_agent_is_lost_after_the_grace_with_its_allocations_and_returns_on_heartbeat() {
        try (LiveServer quick = new LiveServer(java.time.Duration.ofSeconds(1))) {
            String[] a = quick.agent("m1", "2", "2g");
            String id = quick.post("/v1/requests", quick.admin(), "{\"cpus\":\"1\"}").body().path("allocations").get(0).asText();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> quick.get("/v1/agents/" + a[0], quick.admin()).body().path("status").asText().equals("LOST"));
            JsonNode lost = quick.get("/v1/allocations/" + id, quick.admin()).body();
            assertThat(lost.path("state").asText()).isEqualTo("LOST");
            assertThat(lost.path("reason").asText()).contains("missed heartbeats for 1s");
            assertThat(quick.put("/v1/agents/" + a[0] + "/heartbeat", a[1], null).body().path("status").asText()).isEqualTo("READY");
        }
    }
}
