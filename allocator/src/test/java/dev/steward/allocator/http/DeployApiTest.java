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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deploy API over real HTTP, without agents (instances stay pending): validation naming the
 * field, no-ops, scaling, supersede and wait, pause, resume, abort, rollback, promotion refusals.
 */
class DeployApiTest {
    private LiveServer s;
    private String digest;
    private String other;

    @BeforeEach
    void start() throws Exception {
        s = new LiveServer();
        digest = upload("web", "1");
        other = upload("web", "2");
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private String upload(String name, String version) throws Exception {
        return upload(name, version, "sh run.sh");
    }

    private String upload(String name, String version, String command) throws Exception {
        return upload(s, name, version, command);
    }

    private static String upload(LiveServer s, String name, String version, String command) throws Exception {
        Path tree = Files.createDirectories(s.dir.resolve("tree-" + version));
        Files.writeString(tree.resolve("run.sh"), "echo " + version);
        Path out = s.dir.resolve(version + ".tar.zst");
        BuiltPackage p = PackageBuilder.from(tree).manifest(new PackageManifest(null, name, version, command, null, List.of("http"), null, null, null))
                .writeTo(out);
        Request r = new Request.Builder().url(s.server.url() + "/v1/packages/" + p.digest()).header("Authorization", "Bearer " + s.admin())
                .put(RequestBody.create(Files.readAllBytes(out), MediaType.get("application/octet-stream"))).build();
        try (Response resp = s.http.newCall(r).execute()) {
            assertThat(resp.code()).isEqualTo(201);
        }
        return p.digest();
    }

    private LiveServer.Reply deploy(String env, String body) {
        return s.put("/v1/services/web/" + env, s.admin(), body);
    }

    @Test
    void badDeploysAreRefusedNamingTheField() {
        LiveServer.Reply r = deploy("staging", "{\"instances\":3}");
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body().path("field").asText()).isEqualTo("packageDigest");
        assertThat(r.body().path("detail").asText()).contains("is required for web/staging, which runs no revision yet");
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"strategy\":\"sideways\"}");
        assertThat(r.body().path("field").asText()).isEqualTo("strategy");
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"strategy\":\"canary\",\"steps\":[{\"weight\":\"lots\"}]}");
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body().path("field").asText()).isEqualTo("steps[0].weight");
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":100000}");
        assertThat(r.body().path("field").asText()).isEqualTo("instances");
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"memory\":\"lots\"}");
        assertThat(r.body().path("field").asText()).isEqualTo("memory");
        // none would cap nothing: before, an instance of no cpus and no memory ran with no limit at all, placed as if it took nothing
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"cpus\":\"0\"}");
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body().path("field").asText()).isEqualTo("cpus");
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"memory\":\"0\"}");
        assertThat(r.body().path("field").asText()).isEqualTo("memory");
        assertThat(r.body().path("detail").asText()).contains("below the least an allocation may have, 10m");
        r = deploy("staging", "{\"packageDigest\":\"sha256:" + "b".repeat(64) + "\"}");
        assertThat(r.code()).isEqualTo(409);
        assertThat(r.body().path("detail").asText()).contains("is not stored");
        r = deploy("bad env!", "{\"packageDigest\":\"" + digest + "\"}");
        assertThat(r.code()).isIn(400, 404);
        r = deploy("prod", "{\"promoteFrom\":\"staging\"}");
        assertThat(r.code()).isEqualTo(409);
        assertThat(r.body().path("detail").asText()).contains("nothing to promote");
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"colour\":\"blue\"}");
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body().path("field").asText()).isEqualTo("colour");
        // a variable the kernel could never pass to the process is refused here, naming it and the bound, not failed at every start
        r = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"vars\":{\"BIG\":\"" + "x".repeat(dev.steward.api.Validation.MAX_VARIABLE_BYTES) + "\"}}");
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body().path("field").asText()).isEqualTo("vars.BIG");
        assertThat(r.body().path("detail").asText()).contains("above the limit of 131071").contains("environment string");
        assertThat(s.get("/v1/services", s.admin()).body().size()).as("nothing was stored").isZero();
    }

    @Test
    void aPackageWithNoCommandIsRefusedAtOnceUnlessTheDeployGivesOne() throws Exception {
        String bare = upload("web", "bare", null);
        // before, this was accepted and every instance then failed to start, failing the deployment on the agent
        for (String path : List.of("/v1/services/web/staging", "/v1/services/web/staging/plan")) {
            String body = "{\"packageDigest\":\"" + bare + "\"}";
            LiveServer.Reply r = path.endsWith("/plan") ? s.post(path, s.admin(), body) : s.put(path, s.admin(), body);
            assertThat(r.code()).as(path).isEqualTo(400);
            assertThat(r.body().path("field").asText()).isEqualTo("command");
            assertThat(r.body().path("detail").asText()).contains("package web bare names no command in its manifest", "--command");
        }
        assertThat(s.get("/v1/services", s.admin()).body().size()).as("nothing was stored").isZero();
        assertThat(deploy("staging", "{\"packageDigest\":\"" + bare + "\",\"command\":\"sh run.sh\"}").code()).isEqualTo(201);
    }

    @Test
    void aPromotionRefusesWhatWouldNotRunNamingTheFieldAndTakesWhatIsTheSame() {
        String[] m = s.agent("m", "4", "4g");
        String staging = "{\"packageDigest\":\"" + digest + "\",\"cpus\":\"0.5\",\"memory\":\"64m\",\"vars\":{\"MODE\":\"staging-like\"},"
                + "\"minHealthyTime\":\"0s\"}";
        assertThat(deploy("staging", staging).code()).isEqualTo(201);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
            s.play(m);
            return s.get("/v1/services/web/staging", s.admin()).body().path("stableRevision").asInt() == 1;
        });
        // before, every one of these was dropped without a word, and prod ran staging's spec as if it had been asked for
        String[][] refused = {
            {"vars", "\"vars\":{\"MODE\":\"prod\"}", "differs from what web/staging runs (variables [MODE])"},
            {"memory", "\"memory\":\"128m\"", "but web/staging runs 64m"},
            {"command", "\"command\":\"sh other.sh\"", "but web/staging runs the package's command"},
            {"ports", "\"ports\":[\"admin\"]", "but web/staging runs [http]"},
            {"secrets", "\"secrets\":[\"db-password\"]", "but web/staging runs none"},
            {"packageDigest", "\"packageDigest\":\"" + other + "\"", "but web/staging runs " + digest},
        };
        for (String[] r : refused) {
            for (String path : List.of("/v1/services/web/prod", "/v1/services/web/prod/plan")) {
                LiveServer.Reply reply = s.call(path.endsWith("plan") ? "POST" : "PUT", path, s.admin(), "{\"promoteFrom\":\"staging\"," + r[1] + "}");
                assertThat(reply.code()).as(path + " " + r[0] + ": " + reply.body()).isEqualTo(400);
                assertThat(reply.body().path("field").asText()).isEqualTo(r[0]);
                assertThat(reply.body().path("detail").asText()).contains(r[2]).contains("a promotion takes exactly what runs there")
                        .contains("leave " + r[0] + " out");
            }
        }
        assertThat(s.get("/v1/services/web/prod", s.admin()).code()).as("nothing was made").isEqualTo(404);
        // the same values, as a pipeline passing one set of arguments to every stage would, are a promotion like any other
        LiveServer.Reply same = deploy("prod", "{\"promoteFrom\":\"staging\",\"cpus\":\"500m\",\"memory\":\"64m\",\"vars\":{\"MODE\":\"staging-like\"},"
                + "\"ports\":[\"http\"],\"packageDigest\":\"" + digest + "\",\"instances\":2}");
        assertThat(same.code()).as(String.valueOf(same.body())).isEqualTo(201);
        assertThat(same.body().path("revision").path("promotedFrom").asText()).startsWith("web/staging revision 1");
        assertThat(same.body().path("revision").path("spec").path("vars").path("MODE").asText()).isEqualTo("staging-like");
    }

    @Test
    void anInstanceThatFindsNoPlaceIsSaidInTheRolloutsLogOncePerReasonAndInItsFailure() {
        s.agent("a", "1", "1g");
        JsonNode started = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"cpus\":\"2\",\"progressDeadline\":\"2s\"}").body();
        String id = started.path("deployment").path("id").asText();
        // before, a rollout's log said "starting" and then nothing until it failed: why it waited was only in the instance list
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> s.get("/v1/deployments/" + id, s.admin()).body()
                .path("state").asText().equals("FAILED"));
        JsonNode d = s.get("/v1/deployments/" + id, s.admin()).body();
        List<String> said = new java.util.ArrayList<>();
        d.path("events").forEach(e -> said.add(e.path("message").asText()));
        assertThat(said.stream().filter(m -> m.contains("is not placed yet: 1 agent: 1 insufficient cpus"))).as(String.join("\n", said)).hasSize(2)
                .allMatch(m -> m.matches("instance \\p{XDigit}+ of revision 1 is not placed yet: 1 agent: 1 insufficient cpus"));
        assertThat(d.path("reason").asText()).startsWith("no instance became available for the progress deadline of 2s; instance ")
                .endsWith(": not placed yet: 1 agent: 1 insufficient cpus");
    }

    @Test
    void theSameDeployAfterAFailedOneDeploysItAgainAndFollowsItToTheEndAndOnceItSucceedsItIsANoOp() {
        String[] a = s.agent("a", "1", "1g");
        String body = "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"cpus\":\"1\",\"memory\":\"64m\",\"progressDeadline\":\"2s\","
                + "\"minHealthyTime\":\"1s\"}";
        String first = deploy("staging", body).body().path("deployment").path("id").asText();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            s.alive(a);
            return s.get("/v1/deployments/" + first, s.admin()).body().path("state").asText().equals("FAILED");
        });
        // before, this was "revision 1 already runs this: nothing to do", and a build retried after the failure passed with one instance of two
        JsonNode plan = s.post("/v1/services/web/staging/plan", s.admin(), body).body();
        assertThat(plan.path("action").asText()).isEqualTo("RETRY");
        assertThat(plan.path("message").asText()).startsWith("would deploy revision 1 of web/staging again (2 instances, rolling): its last deployment, "
                + first + ", failed, and no deployment runs; only 0 of 1 instance");
        String[] b = s.agent("b", "1", "1g");
        LiveServer.Reply again = deploy("staging", body);
        assertThat(again.code()).as("%s", again.body()).isEqualTo(201);
        String retry = again.body().path("deployment").path("id").asText();
        assertThat(again.body().path("noop").asBoolean()).isFalse();
        assertThat(again.body().path("message").asText()).isEqualTo("deploying revision 1 again (deployment " + retry + "): its last deployment, " + first
                + ", failed");
        JsonNode d = again.body().path("deployment");
        assertThat(d.path("revision").asInt()).isEqualTo(1);
        assertThat(d.path("events").get(0).path("message").asText()).isEqualTo("started: revision 1 of web/staging again, 2 instances, rolling; "
                + "its last deployment, " + first + ", failed");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            s.alive(a, b);
            return s.get("/v1/deployments/" + retry, s.admin()).body().path("state").asText().equals("SUCCEEDED");
        });
        assertThat(s.get("/v1/services/web/staging", s.admin()).body().path("stableRevision").asInt()).isEqualTo(1);
        assertThat(s.get("/v1/services/web/staging/revisions", s.admin()).body().size()).as("no revision made").isEqualTo(1);
        LiveServer.Reply done = deploy("staging", body);
        assertThat(done.body().path("noop").asBoolean()).as("%s", done.body()).isTrue();
        assertThat(done.body().path("message").asText()).contains("nothing to do");
        // a rollout of another revision aborted back to the stable one: that one runs as it did, so its deploy is still nothing to do
        String next = deploy("staging", body.replace(digest, other)).body().path("deployment").path("id").asText();
        assertThat(s.post("/v1/deployments/" + next + "/abort", s.admin(), null).code()).isEqualTo(200);
        LiveServer.Reply back = deploy("staging", body);
        assertThat(back.body().path("noop").asBoolean()).as("%s", back.body()).isTrue();
    }

    /** Reports the first PENDING task of {@code agent} as FAILED, as not started for the host's reasons when {@code hostFault}; returns its id. */
    private String refuseOne(String[] agent, boolean hostFault) {
        for (JsonNode t : s.get("/v1/agents/" + agent[0] + "/tasks", agent[1]).body()) {
            if (t.path("state").asText().equals("PENDING")) {
                LiveServer.Reply r = s.put("/v1/agents/" + agent[0] + "/tasks/" + t.path("id").asText() + "/status", agent[1], "{\"seq\":"
                        + (t.path("lastSeq").asLong() + 1) + ",\"state\":\"FAILED\",\"reason\":\"port http 20000 is in use on this host by another "
                        + "process; not started (its replacement is lent other ports)\"" + (hostFault ? ",\"hostFault\":true" : "") + "}");
                assertThat(r.code()).as("%s", r.body()).isEqualTo(200);
                return t.path("id").asText();
            }
        }
        return null;
    }

    @Test
    void anInstanceItsHostCouldNotStartIsReplacedAndTheRolloutGoesOnButOneThatFailedByItselfFailsIt() {
        String[] a = s.agent("a", "4", "4g");
        String body = "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"cpus\":\"0.5\",\"memory\":\"64m\",\"minHealthyTime\":\"0s\"}";
        String id = deploy("staging", body).body().path("deployment").path("id").asText();
        String refused = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> refuseOne(a, true), t -> t != null);
        assertThat(s.get("/v1/tasks/" + refused, s.admin()).body().path("hostFault").asBoolean()).isTrue();
        // before, the deployment failed here with the port's reason, though the agent said the replacement would be lent other ports
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            s.alive(a);
            return s.get("/v1/deployments/" + id, s.admin()).body().path("state").asText().equals("SUCCEEDED");
        });
        JsonNode lost = java.util.stream.StreamSupport.stream(s.get("/v1/services/web/staging/instances", s.admin()).body().spliterator(), false)
                .filter(i -> i.path("taskId").asText().equals(refused)).findFirst().orElseThrow();
        assertThat(lost.path("state").asText()).isEqualTo("LOST");
        assertThat(lost.path("reason").asText()).contains("port http 20000 is in use on this host");
        List<String> said = new java.util.ArrayList<>();
        s.get("/v1/deployments/" + id, s.admin()).body().path("events").forEach(e -> said.add(e.path("message").asText()));
        assertThat(said).anyMatch(m -> m.startsWith("instance " + lost.path("id").asText() + " of revision 1 was lost: port http 20000 is in use"));

        // the same report without hostFault is the task's own failure: the rollout fails, as before
        String next = deploy("staging", body.replace(digest, other)).body().path("deployment").path("id").asText();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> refuseOne(a, false), t -> t != null);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> s.get("/v1/deployments/" + next, s.admin()).body()
                .path("state").asText().matches("FAILED|ROLLED_BACK|ROLLING_BACK"));
        assertThat(s.get("/v1/deployments/" + next, s.admin()).body().path("reason").asText()).contains("of revision 2 failed: port http 20000");
    }

    @Test
    void aServiceSaysHowItsLastDeploymentWentAndStillDoesAfterARestart() throws Exception {
        Path dir = Files.createTempDirectory("steward-last-deployment");
        try {
            String second;
            try (LiveServer a = new LiveServer(dir, c -> c)) {
                String d1 = upload(a, "web", "1", "sh run.sh");
                String d2 = upload(a, "web", "2", "sh run.sh");
                String first = a.put("/v1/services/web/staging", a.admin(), "{\"packageDigest\":\"" + d1 + "\"}").body().path("deployment").path("id").asText();
                JsonNode last = a.get("/v1/services/web/staging", a.admin()).body().path("lastDeployment");
                assertThat(last.path("id").asText()).isEqualTo(first);
                assertThat(last.path("state").asText()).isEqualTo("RUNNING");
                second = a.put("/v1/services/web/staging", a.admin(), "{\"packageDigest\":\"" + d2 + "\"}").body().path("deployment").path("id").asText();
                assertThat(a.post("/v1/deployments/" + second + "/abort", a.admin(), null).code()).isEqualTo(200);
                // before, a service whose last rollout was aborted or failed listed no deployment at all, as one whose last succeeded
                for (JsonNode svc : List.of(a.get("/v1/services/web/staging", a.admin()).body(), a.get("/v1/services", a.admin()).body().get(0))) {
                    assertThat(svc.path("deployment").isMissingNode() || svc.path("deployment").isNull()).as("%s", svc).isTrue();
                    assertThat(svc.path("lastDeployment").path("id").asText()).isEqualTo(second);
                    assertThat(svc.path("lastDeployment").path("revision").asInt()).isEqualTo(2);
                    assertThat(svc.path("lastDeployment").path("state").asText()).isEqualTo("ABORTED");
                    assertThat(svc.path("lastDeployment").path("reason").asText()).isNotEmpty();
                }
            }
            // the newest is found again from the store, whatever the deployments' ids
            try (LiveServer b = new LiveServer(dir, c -> c)) {
                assertThat(b.get("/v1/services/web/staging", b.admin()).body().path("lastDeployment").path("id").asText()).isEqualTo(second);
                assertThat(b.get("/v1/services/web/staging/deployments", b.admin()).body().get(0).path("id").asText()).isEqualTo(second);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aServicesInstancesGoToDifferentAgentsBeforeAnyTakesASecond() {
        String[] a = s.agent("a", "4", "4g");
        String[] b = s.agent("b", "4", "4g");
        String[] c = s.agent("c", "4", "4g");
        // an unrelated allocation makes agent a the fullest, which bin-packing alone would fill first
        assertThat(s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").code()).isEqualTo(201);
        assertThat(deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":4,\"cpus\":\"0.1\",\"memory\":\"64m\"}").code())
                .isEqualTo(201);
        java.util.Map<String, Integer> perAgent = new java.util.HashMap<>();
        for (JsonNode i : s.get("/v1/services/web/staging/instances", s.admin()).body()) {
            JsonNode alloc = s.get("/v1/allocations/" + i.path("allocationId").asText(), s.admin()).body();
            perAgent.merge(alloc.path("agentId").asText(), 1, Integer::sum);
        }
        assertThat(perAgent.keySet()).as("4 instances on 3 agents: %s", perAgent).containsExactlyInAnyOrder(a[0], b[0], c[0]);
        assertThat(perAgent.values()).containsExactlyInAnyOrder(2, 1, 1);
    }

    @Test
    void each_instances_allocation_is_named_after_its_service_and_itself_and_a_long_app_and_env_are_cut_to_the_name_limit_not_refused() {
        s.agent("a", "4", "4g");
        assertThat(deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":3,\"cpus\":\"0.1\",\"memory\":\"64m\"}").code()).isEqualTo(201);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (JsonNode i : s.get("/v1/services/web/staging/instances", s.admin()).body()) {
            String name = s.get("/v1/allocations/" + i.path("allocationId").asText(), s.admin()).body().path("name").asText();
            assertThat(name).as("the allocation of instance %s", i.path("id").asText()).isEqualTo("web-staging-" + i.path("id").asText() + "-0");
            names.add(name);
        }
        assertThat(names).as("told apart in a list of allocations").hasSize(3);

        String app = "a".repeat(100);
        String env = "e".repeat(100); // each within the limit of 128, together above it
        LiveServer.Reply long_ = s.put("/v1/services/" + app + "/" + env, s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":1,\"cpus\":\"0.1\",\"memory\":\"64m\"}");
        assertThat(long_.code()).as("%s", long_.body()).isEqualTo(201);
        JsonNode instance = s.get("/v1/services/" + app + "/" + env + "/instances", s.admin()).body().get(0);
        String name = s.get("/v1/allocations/" + instance.path("allocationId").asText(), s.admin()).body().path("name").asText();
        assertThat(name).hasSize(dev.steward.api.Limits.MAX_NAME).startsWith(app + "-eee").endsWith("-" + instance.path("id").asText() + "-0");
    }

    @Test
    void theSameSpecIsANoOpAnotherCountIsAScaleAndManifestDefaultsApply() {
        LiveServer.Reply first = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":2}");
        assertThat(first.code()).isEqualTo(201);
        assertThat(first.body().path("revision").path("spec").path("ports").get(0).asText()).as("from the manifest").isEqualTo("http");
        LiveServer.Reply again = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":2}");
        assertThat(again.code()).isEqualTo(200);
        assertThat(again.body().path("noop").asBoolean()).isTrue();
        assertThat(again.body().path("message").asText()).contains("is already rolling out revision 1");
        String rollout = first.body().path("deployment").path("id").asText();
        LiveServer.Reply scale = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":4}");
        assertThat(scale.code()).isEqualTo(201);
        assertThat(scale.body().path("message").asText()).isEqualTo("scaled to 4 instances; revision 1 unchanged, and deployment " + rollout
                + " goes on with the new count");
        assertThat(scale.body().path("deployment").path("id").asText()).as("the rollout under way takes the count").isEqualTo(rollout);
        assertThat(s.get("/v1/services/web/staging", s.admin()).body().path("instances").asInt()).isEqualTo(4);
        assertThat(s.get("/v1/services/web/staging/instances", s.admin()).body().size()).as("pending instances, one per wanted").isEqualTo(4);
    }

    @Test
    void aDeployThatNamesNoPackageKeepsWhatRunsAndChangesOnlyWhatItGives() {
        LiveServer.Reply first = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"cpus\":\"0.2\",\"memory\":\"96m\","
                + "\"vars\":{\"MODE\":\"blue\"}}");
        assertThat(first.code()).isEqualTo(201);
        String rollout = first.body().path("deployment").path("id").asText();
        JsonNode spec = first.body().path("revision").path("spec");

        LiveServer.Reply scale = deploy("staging", "{\"instances\":5}"); // kubectl scale: the count alone, nothing else retyped
        assertThat(scale.code()).isEqualTo(201);
        assertThat(scale.body().path("message").asText()).startsWith("scaled to 5 instances; revision 1 unchanged");
        assertThat(scale.body().path("deployment").path("id").asText()).isEqualTo(rollout);
        assertThat(s.get("/v1/services/web/staging/revisions", s.admin()).body().size()).as("no revision made").isEqualTo(1);

        LiveServer.Reply same = deploy("staging", "{}");
        assertThat(same.body().path("noop").asBoolean()).as("nothing given: nothing changes").isTrue();

        LiveServer.Reply more = deploy("staging", "{\"memory\":\"128m\"}");
        assertThat(more.code()).isEqualTo(201);
        JsonNode next = more.body().path("revision");
        assertThat(next.path("number").asInt()).as("another config: a new revision").isEqualTo(2);
        assertThat(next.path("spec").path("memory").asText()).isEqualTo("128m");
        assertThat(more.body().path("deployment").path("events").findValuesAsText("message")).as("what it changes, in its log")
                .contains("revision 2 changes from revision 1: memory 96m -> 128m");
        assertThat(next.path("spec").path("packageDigest").asText()).isEqualTo(digest);
        assertThat(next.path("spec").path("cpus")).as("kept").isEqualTo(spec.path("cpus"));
        assertThat(next.path("spec").path("vars")).isEqualTo(spec.path("vars"));
        assertThat(next.path("spec").path("ports")).isEqualTo(spec.path("ports"));
        assertThat(s.get("/v1/services/web/staging", s.admin()).body().path("instances").asInt()).as("the count kept").isEqualTo(5);

        LiveServer.Reply bad = deploy("staging", "{\"memory\":\"0\"}");
        assertThat(bad.code()).isEqualTo(400);
        assertThat(bad.body().path("field").asText()).isEqualTo("memory");
        JsonNode plan = s.post("/v1/services/web/staging/plan", s.admin(), "{\"instances\":6}").body();
        assertThat(plan.path("action").asText()).as("the plan too").isEqualTo("SCALE");
    }

    @Test
    void aScaleWithNoRolloutUnderWayIsARollingDeploymentOfTheRevisionThatRuns() {
        String rollout = deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"instances\":2}").body().path("deployment").path("id").asText();
        assertThat(s.post("/v1/deployments/" + rollout + "/abort", s.admin(), null).code()).isEqualTo(200);
        String body = "{\"packageDigest\":\"" + digest + "\",\"instances\":3,\"strategy\":\"canary\",\"steps\":[{\"weight\":\"1\",\"pause\":\"promote\"}],"
                + "\"progressDeadline\":\"7m\"}";
        JsonNode plan = s.post("/v1/services/web/staging/plan", s.admin(), body).body();
        assertThat(plan.path("action").asText()).isEqualTo("SCALE");
        assertThat(plan.path("strategy").asText()).as("a canary of what runs would stop it down to its step").isEqualTo("rolling");
        assertThat(plan.path("message").asText()).startsWith("would scale web/staging from 2 to 3 instances; revision 1 unchanged, in a rolling deployment");

        LiveServer.Reply scale = deploy("staging", body);
        assertThat(scale.code()).isEqualTo(201);
        JsonNode d = scale.body().path("deployment");
        assertThat(scale.body().path("message").asText()).isEqualTo("scaled to 3 instances (from 2); revision 1 unchanged (deployment " + d.path("id").asText() + ")");
        assertThat(d.path("revision").asInt()).isEqualTo(1);
        assertThat(d.path("state").asText()).isEqualTo("RUNNING");
        assertThat(d.path("desired").asInt()).isEqualTo(3);
        assertThat(d.path("rollout").path("strategy").asText()).isEqualTo("rolling");
        assertThat(d.path("rollout").path("progressDeadline").asText()).as("the request's timings hold").isEqualTo("7m");
        assertThat(d.path("events").get(0).path("message").asText()).isEqualTo("started: revision 1 of web/staging scaled from 2 to 3 instances, rolling");
        JsonNode svc = s.get("/v1/services/web/staging", s.admin()).body();
        assertThat(svc.path("deployment").asText()).isEqualTo(d.path("id").asText());
        assertThat(svc.path("instances").asInt()).isEqualTo(3);
        assertThat(s.get("/v1/services/web/staging/revisions", s.admin()).body().size()).as("no revision made").isEqualTo(1);
    }

    @Test
    void aLaterDeploySupersedesOrWaitsAsItSays() {
        String d1 = deploy("staging", "{\"packageDigest\":\"" + digest + "\"}").body().path("deployment").path("id").asText();
        JsonNode queued = deploy("staging", "{\"packageDigest\":\"" + other + "\",\"onConflict\":\"wait\"}").body();
        assertThat(queued.path("deployment").path("state").asText()).isEqualTo("QUEUED");
        assertThat(queued.path("message").asText()).contains("queued: deployment " + d1 + " runs first");
        JsonNode later = deploy("staging", "{\"packageDigest\":\"" + other + "\",\"vars\":{\"X\":\"1\"}}").body();
        assertThat(later.path("deployment").path("state").asText()).isEqualTo("RUNNING");
        JsonNode first = s.get("/v1/deployments/" + d1, s.admin()).body();
        assertThat(first.path("state").asText()).isEqualTo("SUPERSEDED");
        assertThat(first.path("reason").asText()).contains("superseded by deployment " + later.path("deployment").path("id").asText());
    }

    @Test
    void pauseResumeAbortAndRollback() {
        JsonNode v1 = deploy("staging", "{\"packageDigest\":\"" + digest + "\"}").body();
        String id = v1.path("deployment").path("id").asText();
        assertThat(s.post("/v1/deployments/" + id + "/pause", s.admin(), null).body().path("state").asText()).isEqualTo("PAUSED");
        assertThat(s.post("/v1/deployments/" + id + "/pause", s.admin(), null).code()).as("idempotent").isEqualTo(200);
        assertThat(s.post("/v1/deployments/" + id + "/resume", s.admin(), null).body().path("state").asText()).isEqualTo("RUNNING");
        LiveServer.Reply abort = s.post("/v1/deployments/" + id + "/abort", s.admin(), null);
        assertThat(abort.body().path("state").asText()).isEqualTo("ABORTED");
        assertThat(abort.body().path("reason").asText()).isEqualTo("aborted by admin");
        LiveServer.Reply illegal = s.post("/v1/deployments/" + id + "/resume", s.admin(), null);
        assertThat(illegal.code()).isEqualTo(409);
        assertThat(illegal.body().path("detail").asText()).contains("is ABORTED");
        assertThat(s.get("/v1/deployments/" + id + "/events?after=1", s.admin()).body().findValuesAsText("message"))
                .contains("paused by admin", "resumed by admin", "aborted by admin");

        JsonNode v2 = deploy("staging", "{\"packageDigest\":\"" + other + "\"}").body();
        assertThat(v2.path("deployment").path("events").findValuesAsText("message")).as("a new package, its digests cut as history shows them")
                .contains("revision 2 changes from revision 1: packageDigest " + digest.substring(0, 19) + " -> " + other.substring(0, 19));
        LiveServer.Reply back = s.post("/v1/services/web/staging/rollback", s.admin(), "{\"revision\":1}");
        assertThat(back.code()).isEqualTo(201);
        assertThat(back.body().path("deployment").path("events").findValuesAsText("message"))
                .contains("revision 3 changes from revision 2: packageDigest " + other.substring(0, 19) + " -> " + digest.substring(0, 19));
        assertThat(back.body().path("revision").path("rolledBackTo").asInt()).isEqualTo(1);
        assertThat(back.body().path("message").asText()).as("what the CLI prints first").startsWith("rolling back to revision 1 as revision 3 (deployment ");
        assertThat(back.body().path("revision").path("spec").path("packageDigest").asText()).isEqualTo(digest);
        assertThat(s.post("/v1/services/web/staging/rollback", s.admin(), "{\"revision\":99}").code()).isEqualTo(404);
        assertThat(s.get("/v1/services/web/staging/revisions", s.admin()).body().size()).isEqualTo(3);
    }

    @Test
    void a_rollback_rolls_out_with_the_health_timings_and_bounds_the_service_was_deployed_with_not_the_defaults() {
        deploy("staging", "{\"packageDigest\":\"" + digest + "\",\"minHealthyTime\":\"2s\",\"healthyDeadline\":\"15m\",\"progressDeadline\":\"20m\","
                + "\"maxSurge\":\"2\",\"maxUnavailable\":\"0\"}");
        deploy("staging", "{\"packageDigest\":\"" + other + "\",\"strategy\":\"canary\",\"steps\":[{\"weight\":\"50%\",\"pause\":\"promote\"}],"
                + "\"minHealthyTime\":\"3s\",\"healthyDeadline\":\"15m\",\"progressDeadline\":\"20m\",\"autoRollback\":false}");
        LiveServer.Reply planned = s.post("/v1/services/web/staging/rollback/plan", s.admin(), "{\"revision\":1}");
        LiveServer.Reply back = s.post("/v1/services/web/staging/rollback", s.admin(), "{\"revision\":1}");
        assertThat(back.code()).as(back.body().toString()).isEqualTo(201);
        JsonNode rollout = back.body().path("deployment").path("rollout");
        assertThat(rollout.path("strategy").asText()).as("no canary step waits on anyone while a bad revision runs").isEqualTo("rolling");
        assertThat(rollout.path("steps").isMissingNode() || rollout.path("steps").isNull()).as(rollout.toString()).isTrue();
        assertThat(rollout.path("minHealthyTime").asText()).as("the last deployment's timings: " + rollout).isEqualTo("3s");
        assertThat(rollout.path("healthyDeadline").asText()).isEqualTo("15m");
        assertThat(rollout.path("progressDeadline").asText()).isEqualTo("20m");
        assertThat(rollout.path("autoRollback").asBoolean(true)).isFalse();
        assertThat(planned.body().path("strategy").asText()).as("the plan says what the rollback does: " + planned.body()).isEqualTo("rolling");

        deploy("prod", "{\"packageDigest\":\"" + digest + "\",\"strategy\":\"recreate\",\"minHealthyTime\":\"2s\"}");
        deploy("prod", "{\"packageDigest\":\"" + other + "\",\"strategy\":\"recreate\",\"minHealthyTime\":\"2s\"}");
        assertThat(s.post("/v1/services/web/prod/rollback/plan", s.admin(), "{\"revision\":1}").body().path("strategy").asText()).isEqualTo("recreate");
        JsonNode recreated = s.post("/v1/services/web/prod/rollback", s.admin(), "{\"revision\":1}").body().path("deployment").path("rollout");
        assertThat(recreated.path("strategy").asText()).as("a service that must never run two revisions at once: " + recreated).isEqualTo("recreate");
        assertThat(recreated.path("minHealthyTime").asText()).isEqualTo("2s");
    }
}
