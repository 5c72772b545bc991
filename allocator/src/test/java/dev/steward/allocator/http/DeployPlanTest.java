package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.api.PackageManifest;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/services/APP/ENV/plan}: what a deploy would do, with its own checks, and nothing
 * changed. Over real HTTP, with one agent registered (no tasks run: instances are placed, not
 * started), so placement has room to rehearse on.
 */
class DeployPlanTest {
    private LiveServer s;
    private String digest;
    private String other;

    @BeforeEach
    void start() throws Exception {
        s = new LiveServer();
        digest = upload("1");
        other = upload("2");
        assertThat(s.post("/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"8g\",\"ports\":\"21000-21100\"}").code())
                .isEqualTo(201);
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private String upload(String version) throws Exception {
        Path tree = Files.createDirectories(s.dir.resolve("tree-" + version));
        Files.writeString(tree.resolve("run.sh"), "echo " + version);
        Path out = s.dir.resolve(version + ".tar.zst");
        BuiltPackage p = PackageBuilder.from(tree).manifest(new PackageManifest(null, "web", version, "sh run.sh", null, List.of("http"), null, null, null))
                .writeTo(out);
        Request r = new Request.Builder().url(s.server.url() + "/v1/packages/" + p.digest()).header("Authorization", "Bearer " + s.admin())
                .put(RequestBody.create(Files.readAllBytes(out), MediaType.get("application/octet-stream"))).build();
        try (Response resp = s.http.newCall(r).execute()) {
            assertThat(resp.code()).isEqualTo(201);
        }
        return p.digest();
    }

    private LiveServer.Reply plan(String body) {
        return s.post("/v1/services/web/prod/plan", s.admin(), body);
    }

    private List<String> fields(JsonNode plan) {
        List<String> out = new ArrayList<>();
        plan.path("changes").forEach(c -> out.add(c.path("field").asText()));
        return out;
    }

    /** Null or left out (the API leaves nulls out). */
    private static boolean absent(JsonNode n, String field) {
        return n.path(field).isMissingNode() || n.path(field).isNull();
    }

    /** What can be read of the state: the index and the services. */
    private String snapshot() {
        LiveServer.Reply r = s.get("/v1/services", s.admin());
        return r.index() + " " + r.body();
    }

    @Test
    void a_new_service_is_planned_field_by_field_with_room_and_nothing_is_made() {
        String before = snapshot();
        LiveServer.Reply r = plan("{\"packageDigest\":\"" + digest + "\",\"instances\":3,\"cpus\":\"1\",\"memory\":\"1g\",\"vars\":{\"DB_PASSWORD\":\"hunter2\"}}");
        assertThat(r.code()).as("%s", r.body()).isEqualTo(200);
        JsonNode p = r.body();
        assertThat(p.path("action").asText()).isEqualTo("CREATE");
        assertThat(p.path("revision").asInt()).isEqualTo(1);
        assertThat(absent(p, "fromRevision")).isTrue();
        assertThat(p.path("instancesFrom").asInt()).isZero();
        assertThat(p.path("instancesTo").asInt()).isEqualTo(3);
        assertThat(fields(p)).containsExactly("packageDigest", "cpus", "memory", "ports", "vars.DB_PASSWORD");
        assertThat(p.toString()).as("a variable's value is never shown").doesNotContain("hunter2");
        assertThat(p.path("placement").path("needed").asInt()).isEqualTo(3);
        assertThat(p.path("placement").path("fit").asInt()).isEqualTo(3);
        assertThat(p.path("message").asText()).contains("would create web/prod").contains("all 3 instances find room now");
        assertThat(snapshot()).as("the plan changed nothing: same index, no service").isEqualTo(before);
        assertThat(s.get("/v1/services/web/prod", s.admin()).code()).isEqualTo(404);
    }

    @Test
    void against_what_runs_a_plan_is_nothing_a_scale_or_a_new_revision_with_the_fields_that_change() {
        assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"cpus\":\"1\",\"memory\":\"1g\","
                + "\"vars\":{\"A\":\"1\",\"B\":\"2\"}}").code()).isEqualTo(201);
        String before = snapshot();

        JsonNode same = plan("{\"packageDigest\":\"" + digest + "\",\"cpus\":\"1\",\"memory\":\"1g\",\"vars\":{\"A\":\"1\",\"B\":\"2\"}}").body();
        assertThat(same.path("action").asText()).isEqualTo("NONE");
        assertThat(same.path("revision").asInt()).isEqualTo(1);
        assertThat(absent(same, "placement")).isTrue();
        assertThat(same.path("message").asText()).contains("nothing to do");

        JsonNode scale = plan("{\"packageDigest\":\"" + digest + "\",\"instances\":3,\"cpus\":\"1\",\"memory\":\"1g\",\"vars\":{\"A\":\"1\",\"B\":\"2\"}}").body();
        assertThat(scale.path("action").asText()).isEqualTo("SCALE");
        assertThat(scale.path("instancesFrom").asInt()).isEqualTo(2);
        assertThat(scale.path("placement").path("needed").asInt()).as("only the instance added").isEqualTo(1);

        JsonNode next = plan("{\"packageDigest\":\"" + other + "\",\"cpus\":\"1\",\"memory\":\"2g\",\"vars\":{\"A\":\"9\",\"C\":\"3\"},\"onConflict\":\"wait\"}").body();
        assertThat(next.path("action").asText()).isEqualTo("NEW_REVISION");
        assertThat(next.path("revision").asInt()).isEqualTo(2);
        assertThat(next.path("fromRevision").asInt()).isEqualTo(1);
        assertThat(fields(next)).containsExactly("packageDigest", "memory", "vars.A", "vars.B", "vars.C");
        JsonNode memory = next.path("changes").get(1);
        assertThat(memory.path("from").asText()).isEqualTo("1g");
        assertThat(memory.path("to").asText()).isEqualTo("2g");
        assertThat(next.path("changes").get(2).path("to").asText()).isEqualTo("(changed)");
        assertThat(absent(next.path("changes").get(3), "to")).as("B removed").isTrue();
        assertThat(absent(next.path("changes").get(4), "from")).as("C added").isTrue();
        assertThat(next.path("deployment").asText()).as("the first rollout still runs: no agent starts its instances").startsWith("queued behind deployment ");

        assertThat(snapshot()).as("no plan changed anything").isEqualTo(before);
    }

    @Test
    void instances_that_would_not_find_room_are_counted_with_the_reasons_and_the_room_is_given_back() {
        JsonNode p = plan("{\"packageDigest\":\"" + digest + "\",\"instances\":5,\"cpus\":\"2\",\"memory\":\"1g\"}").body();
        assertThat(p.path("placement").path("fit").asInt()).as("two of 2 cpus on a 4-cpu agent").isEqualTo(2);
        assertThat(p.path("placement").path("rejections").toString()).contains("cpu");
        assertThat(p.path("message").asText()).contains("only 2 of 5 instances find room now");
        // what the rehearsal held is free again: a real request takes the whole agent
        LiveServer.Reply all = s.post("/v1/requests", s.admin(), "{\"cpus\":\"4\",\"memory\":\"8g\"}");
        assertThat(all.code()).isEqualTo(201);
        assertThat(all.body().path("state").asText()).isEqualTo("PLACED");
        JsonNode none = plan("{\"packageDigest\":\"" + digest + "\",\"instances\":1,\"cpus\":\"1\",\"memory\":\"1g\"}").body();
        assertThat(none.path("placement").path("fit").asInt()).isZero();
    }

    /**
     * An attacker's loop of plans, over real sockets: with the state's thread held, so that every
     * plan let in stays in flight, one caller gets two places and the rest of its plans a 503 at
     * once, another caller two more, and a third none (four in all). Once the thread goes on,
     * every plan let in is answered, and the places are free again.
     */
    @Test
    void plans_sent_in_a_loop_get_two_places_per_caller_and_four_in_all() throws Exception {
        String[] tokens = new String[3];
        for (int i = 0; i < 3; i++) {
            s.put("/v1/roles/r" + i, s.admin(), "{\"weight\":1}");
            tokens[i] = s.post("/v1/roles/r" + i + "/tokens", s.admin(), "{}").body().path("token").asText();
        }
        String[] digests = new String[3];
        for (int i = 0; i < 3; i++) {
            digests[i] = s.uploadScript("sleep 3600 # " + i, tokens[i]);
        }
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(9);
        List<java.util.concurrent.Future<LiveServer.Reply>> a = new ArrayList<>();
        List<java.util.concurrent.Future<LiveServer.Reply>> b = new ArrayList<>();
        try {
            s.server.engine().read(st -> {
                try {
                    return hold.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < 5; i++) {
                a.add(callers.submit(() -> s.post("/v1/services/web/r0/plan", tokens[0], "{\"packageDigest\":\"" + digests[0] + "\"}")));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> a.stream().filter(java.util.concurrent.Future::isDone).count() == 3);
            for (java.util.concurrent.Future<LiveServer.Reply> f : a) {
                if (f.isDone()) {
                    assertThat(f.get().code()).isEqualTo(503);
                    assertThat(f.get().body().path("detail").asText()).contains("too many deploy plans at once (4 at most, 2 per caller");
                }
            }
            for (int i = 0; i < 3; i++) {
                b.add(callers.submit(() -> s.post("/v1/services/web/r1/plan", tokens[1], "{\"packageDigest\":\"" + digests[1] + "\"}")));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> b.stream().filter(java.util.concurrent.Future::isDone).count() == 1);
            LiveServer.Reply third = s.post("/v1/services/web/r2/plan", tokens[2], "{\"packageDigest\":\"" + digests[2] + "\"}");
            assertThat(third.code()).as("four in flight: none for a third caller").isEqualTo(503);
        } finally {
            hold.countDown();
        }
        List<Integer> codes = new ArrayList<>();
        for (java.util.concurrent.Future<LiveServer.Reply> f : a) {
            codes.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS).code());
        }
        for (java.util.concurrent.Future<LiveServer.Reply> f : b) {
            codes.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS).code());
        }
        callers.shutdown();
        assertThat(codes.stream().filter(c -> c == 200).count()).as("the four let in are answered: %s", codes).isEqualTo(4);
        assertThat(codes.stream().filter(c -> c == 503).count()).isEqualTo(4);
        for (int i = 0; i < 3; i++) {
            assertThat(s.post("/v1/services/web/r2/plan", tokens[2], "{\"packageDigest\":\"" + digests[2] + "\"}").code())
                    .as("the places are free again").isEqualTo(200);
        }
    }

    @Test
    void a_new_revision_counts_the_room_of_the_instances_it_replaces_as_its_strategy_frees_it_and_a_scale_does_not() {
        // the one agent (4 cpus) is full with the service's two instances of 2 cpus
        assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"cpus\":\"2\",\"memory\":\"1g\"}")
                .code()).isEqualTo(201);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            int placed = 0;
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                placed += i.hasNonNull("allocationId") ? 1 : 0;
            }
            return placed == 2;
        });
        String next = "{\"packageDigest\":\"" + other + "\",\"cpus\":\"2\",\"memory\":\"1g\"";
        // the rollout's first step, as the reconciler takes it: what must fit beside the old instances before any stops
        JsonNode recreate = plan(next + ",\"strategy\":\"recreate\"}").body();
        assertThat(recreate.path("action").asText()).isEqualTo("NEW_REVISION");
        assertThat(recreate.path("placement").path("fit").asInt()).as("a recreate stops the old ones first: %s", recreate).isEqualTo(2);
        JsonNode rollingOne = plan(next + ",\"maxUnavailable\":\"1\"}").body();
        assertThat(rollingOne.path("placement").path("fit").asInt()).as("one old instance stops at once, so each new one finds its room: %s", rollingOne)
                .isEqualTo(2);
        JsonNode rollingNone = plan(next + "}").body(); // 25% of 2: a surge of 1, none unavailable
        assertThat(rollingNone.path("placement").path("fit").asInt()).as("no old instance stops before a new one runs: %s", rollingNone).isZero();
        assertThat(rollingNone.path("message").asText()).contains("only 0 of 2 instances find room now")
                .contains("with maxUnavailable 0, this rolling update starts 1 instance beside the ones it replaces before it stops any");
        JsonNode blueGreen = plan(next + ",\"strategy\":\"bluegreen\"}").body();
        assertThat(blueGreen.path("placement").path("fit").asInt()).isZero();
        assertThat(blueGreen.path("message").asText()).contains("a blue/green rollout starts every new instance beside the ones it replaces");
        JsonNode canary = plan(next + ",\"strategy\":\"canary\",\"steps\":[{\"weight\":\"50%\",\"pause\":\"promote\"}]}").body();
        assertThat(canary.path("placement").path("fit").asInt()).isZero();
        assertThat(canary.path("message").asText()).contains("a canary runs its largest step, 1 instance, beside the ones it replaces");

        JsonNode more = plan("{\"packageDigest\":\"" + digest + "\",\"instances\":3,\"cpus\":\"2\",\"memory\":\"1g\"}").body();
        assertThat(more.path("action").asText()).isEqualTo("SCALE");
        assertThat(more.path("placement").path("fit").asInt()).as("a third instance comes on top of the two: %s", more).isZero();
        // what the rehearsal freed is held again: the agent is still full for anyone else
        LiveServer.Reply one = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"64m\"}");
        assertThat(one.body().path("state").asText()).isEqualTo("PENDING");
        // and the plan of the rolling update told the truth: made, its surge instance waits for room and no old instance stops
        assertThat(s.put("/v1/services/web/prod", s.admin(), next + "}").code()).isEqualTo(201);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            JsonNode all = s.get("/v1/services/web/prod/instances", s.admin()).body();
            return all.size() == 3;
        });
        JsonNode all = s.get("/v1/services/web/prod/instances", s.admin()).body();
        int waiting = 0;
        for (JsonNode i : all) {
            assertThat(i.path("stopRequested").asBoolean()).as("no instance is stopped: %s", all).isFalse();
            waiting += i.path("revision").asInt() == 2 && !i.hasNonNull("allocationId") ? 1 : 0;
        }
        assertThat(waiting).as("the new revision's instance waits for room: %s", all).isEqualTo(1);
    }

    @Test
    void a_rollback_is_planned_as_a_new_revision_with_the_old_spec_and_refused_as_the_rollback_would_be() {
        assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":1,\"cpus\":\"1\",\"memory\":\"1g\"}")
                .code()).isEqualTo(201);
        assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + other + "\",\"cpus\":\"1\",\"memory\":\"2g\"}").code())
                .isEqualTo(201);
        String before = snapshot();
        LiveServer.Reply r = s.post("/v1/services/web/prod/rollback/plan", s.admin(), "{\"revision\":1}");
        assertThat(r.code()).as("%s", r.body()).isEqualTo(200);
        JsonNode p = r.body();
        assertThat(p.path("action").asText()).isEqualTo("NEW_REVISION");
        assertThat(p.path("revision").asInt()).isEqualTo(3);
        assertThat(p.path("fromRevision").asInt()).isEqualTo(2);
        assertThat(fields(p)).containsExactly("packageDigest", "memory");
        assertThat(p.path("message").asText()).startsWith("would roll web/prod back to revision 1 as revision 3 (1 instance, rolling); supersedes deployment ");
        assertThat(snapshot()).as("nothing changed").isEqualTo(before);
        // no revision named, and none succeeded to go back to: the rollback's own 409
        LiveServer.Reply none = s.post("/v1/services/web/prod/rollback/plan", s.admin(), null);
        assertThat(none.code()).isEqualTo(409);
        assertThat(none.body().path("detail").asText()).contains("there is no earlier stable revision");
        assertThat(s.post("/v1/services/web/prod/rollback/plan", s.admin(), "{\"revision\":9}").code()).isEqualTo(404);
    }

    @Test
    void a_plan_is_refused_as_the_deploy_would_be() {
        LiveServer.Reply bad = plan("{\"packageDigest\":\"" + digest + "\",\"memory\":\"lots\"}");
        assertThat(bad.code()).isEqualTo(400);
        assertThat(bad.body().path("field").asText()).isEqualTo("memory");
        assertThat(plan("{\"instances\":3}").body().path("field").asText()).isEqualTo("packageDigest");
        // another role's service is not there for it, and a package it cannot read is not either
        s.put("/v1/roles/rb", s.admin(), "{\"weight\":1}");
        String rb = s.post("/v1/roles/rb/tokens", s.admin(), "{}").body().path("token").asText();
        assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":0}").code()).isEqualTo(201);
        LiveServer.Reply theirs = s.post("/v1/services/web/prod/plan", rb, "{\"packageDigest\":\"" + digest + "\"}");
        assertThat(theirs.code()).isIn(403, 404);
        // a service being deleted takes no deploy: nor a plan of one
        assertThat(s.call("DELETE", "/v1/services/web/prod", s.admin(), null).code()).isIn(200, 202);
        s.put("/v1/services/web/staging", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":1,\"cpus\":\"1\",\"memory\":\"1g\"}");
        assertThat(s.call("DELETE", "/v1/services/web/staging", s.admin(), null).code()).isEqualTo(202);
        LiveServer.Reply deleting = s.post("/v1/services/web/staging/plan", s.admin(), "{\"packageDigest\":\"" + digest + "\"}");
        assertThat(deleting.code()).isEqualTo(409);
        assertThat(deleting.body().path("detail").asText()).contains("is being deleted");
    }
}
