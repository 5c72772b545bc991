package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling restart over real HTTP, with an agent played by the test: every instance is replaced
 * by a fresh one of the package and config that runs, as a new revision that says which one it
 * restarts, never with fewer instances available than the service's bounds allow; its plan says
 * so and changes nothing; a secret set since reaches the new instances; and every refusal (no
 * such service, another role's, a deployment under way, no instance, a bad bound, a bad reason)
 * says why and stores nothing.
 */
class RestartApiTest {
    private static final String SMALL = "\"cpus\":\"0.5\",\"memory\":\"64m\",\"minHealthyTime\":\"0s\"";

    private static JsonNode service(LiveServer s) {
        return s.get("/v1/services/web/prod", s.admin()).body();
    }

    private static List<JsonNode> live(LiveServer s) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            if (!List.of("STOPPED", "FAILED", "LOST").contains(i.path("state").asText())) {
                out.add(i);
            }
        }
        return out;
    }

    /** Plays the agent until the service's last deployment has ended; returns the fewest instances seen available meanwhile. */
    private static int playToTheEnd(LiveServer s, String[] agent) {
        AtomicInteger fewest = new AtomicInteger(Integer.MAX_VALUE);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            s.play(agent);
            JsonNode svc = service(s);
            fewest.set(Math.min(fewest.get(), svc.path("available").asInt()));
            return svc.path("deployment").isMissingNode() || svc.path("deployment").isNull();
        });
        return fewest.get();
    }

    @Test
    void a_restart_replaces_every_instance_by_a_fresh_one_of_what_runs_as_a_new_revision() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "2g");
            LiveServer.Reply deployed = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":3," + SMALL + "}");
            assertThat(deployed.code()).as("%s", deployed.body()).isEqualTo(201);
            playToTheEnd(s, m1);
            assertThat(service(s).path("lastDeployment").path("state").asText()).isEqualTo("SUCCEEDED");
            Set<String> before = new HashSet<>();
            Set<String> allocsBefore = new HashSet<>();
            for (JsonNode i : live(s)) {
                before.add(i.path("id").asText());
                allocsBefore.add(i.path("allocationId").asText());
            }
            assertThat(before).hasSize(3);

            LiveServer.Reply plan = s.post("/v1/services/web/prod/restart/plan", s.admin(), null);
            assertThat(plan.code()).as("%s", plan.body()).isEqualTo(200);
            assertThat(plan.body().path("action").asText()).isEqualTo("RESTART");
            assertThat(plan.body().path("revision").asInt()).isEqualTo(2);
            assertThat(plan.body().path("fromRevision").asInt()).isEqualTo(1);
            assertThat(plan.body().path("changes").size()).as("the same package and config").isZero();
            assertThat(plan.body().path("message").asText())
                    .startsWith("would restart web/prod: revision 1's package and config as revision 2, every one of its 3 instances replaced (rolling)")
                    .contains("all 3 instances find room now");
            assertThat(s.get("/v1/services/web/prod/revisions", s.admin()).body().size()).as("a plan changes nothing").isEqualTo(1);

            LiveServer.Reply restarted = s.post("/v1/services/web/prod/restart", s.admin(), "{\"reason\":\"a slow leak\",\"actor\":\"alice\"}");
            assertThat(restarted.code()).as("%s", restarted.body()).isEqualTo(201);
            String deployment = restarted.body().path("deployment").path("id").asText();
            assertThat(restarted.body().path("message").asText())
                    .isEqualTo("restarting revision 1 as revision 2: 3 instances replaced, rolling (deployment " + deployment + ")");
            JsonNode rev = restarted.body().path("revision");
            assertThat(rev.path("number").asInt()).isEqualTo(2);
            assertThat(rev.path("restartOf").asInt()).isEqualTo(1);
            assertThat(restarted.body().path("deployment").path("events").findValuesAsText("message")).as("the same package and config: no changes said")
                    .noneMatch(m -> m.contains("changes from revision"));
            assertThat(rev.path("createdBy").asText()).startsWith("alice (");
            JsonNode revisions = s.get("/v1/services/web/prod/revisions", s.admin()).body();
            assertThat(revisions.get(1).path("spec")).as("exactly what revision 1 runs").isEqualTo(revisions.get(0).path("spec"));

            // a second restart while the first rolls out is refused, naming it, and starts nothing
            LiveServer.Reply again = s.post("/v1/services/web/prod/restart", s.admin(), "{}");
            assertThat(again.code()).isEqualTo(409);
            assertThat(again.body().path("detail").asText()).contains("deployment " + deployment + " is rolling out revision 2 of web/prod")
                    .contains("steward rollout watch " + deployment);

            int fewest = playToTheEnd(s, m1);
            assertThat(fewest).as("maxUnavailable 25% of 3 rounds down to 0: never fewer than 3 available").isGreaterThanOrEqualTo(3);
            JsonNode d = s.get("/v1/deployments/" + deployment, s.admin()).body();
            assertThat(d.path("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(d.path("events").get(0).path("message").asText()).contains("restart of revision 1: a slow leak");
            List<JsonNode> after = live(s);
            assertThat(after).hasSize(3).allSatisfy(i -> {
                assertThat(i.path("revision").asInt()).isEqualTo(2);
                assertThat(before).doesNotContain(i.path("id").asText());
                assertThat(allocsBefore).as("a fresh allocation each").doesNotContain(i.path("allocationId").asText());
            });
            for (String id : allocsBefore) {
                assertThat(s.get("/v1/allocations/" + id, s.admin()).body().path("state").asText()).isEqualTo("RELEASED");
            }
            JsonNode svc = service(s);
            assertThat(svc.path("revision").asInt()).isEqualTo(2);
            assertThat(svc.path("stableRevision").asInt()).isEqualTo(2);

            // the restart runs what ran: the same deploy again is nothing to do
            LiveServer.Reply same = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":3," + SMALL + "}");
            assertThat(same.code()).isEqualTo(200);
            assertThat(same.body().path("message").asText()).contains("revision 2 already runs this");
        }
    }

    @Test
    void a_restart_takes_the_secrets_set_since_and_its_own_bounds() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "2g");
            assertThat(s.put("/v1/services/web/prod/secrets/db", s.admin(), "{\"value\":\"one\"}").code()).isEqualTo(201);
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"secrets\":[\"db\"],"
                    + SMALL + "}").code()).isEqualTo(201);
            playToTheEnd(s, m1);
            assertThat(s.put("/v1/services/web/prod/secrets/db", s.admin(), "{\"value\":\"two\"}").code()).isEqualTo(200);

            LiveServer.Reply plan = s.post("/v1/services/web/prod/restart/plan", s.admin(), "{\"maxSurge\":\"0\",\"maxUnavailable\":\"1\"}");
            assertThat(plan.code()).as("%s", plan.body()).isEqualTo(200);
            assertThat(plan.body().path("changes").toString()).contains("{\"field\":\"secrets.db\",\"from\":\"version 1\",\"to\":\"version 2\"}");
            assertThat(plan.body().path("strategy").asText()).isEqualTo("rolling");

            LiveServer.Reply restarted = s.post("/v1/services/web/prod/restart", s.admin(), "{\"maxSurge\":\"0\",\"maxUnavailable\":\"1\"}");
            assertThat(restarted.code()).as("%s", restarted.body()).isEqualTo(201);
            assertThat(restarted.body().path("revision").path("spec").path("secrets").path("db").asInt()).isEqualTo(2);
            assertThat(restarted.body().path("deployment").path("rollout").path("maxSurge").asText()).isEqualTo("0");
            int fewest = playToTheEnd(s, m1);
            assertThat(fewest).as("maxUnavailable 1 of 2").isGreaterThanOrEqualTo(1);
            assertThat(live(s)).hasSize(2).allSatisfy(i -> assertThat(i.path("revision").asInt()).isEqualTo(2));
        }
    }

    @Test
    void refusals_say_why_and_store_nothing() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "2g");
            assertThat(s.post("/v1/services/web/prod/restart", s.admin(), null).code()).as("no such service").isEqualTo(404);
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":2," + SMALL + "}").code())
                    .isEqualTo(201);
            playToTheEnd(s, m1);

            s.put("/v1/roles/other", s.admin(), "{}");
            String other = s.post("/v1/roles/other/tokens", s.admin(), null).body().path("token").asText();
            assertThat(s.post("/v1/services/web/prod/restart", other, null).code()).as("another role's service is not there").isEqualTo(404);
            assertThat(s.post("/v1/services/web/prod/restart/plan", other, null).code()).isEqualTo(404);

            for (String[] bad : List.of(new String[] {"{\"maxSurge\":\"lots\"}", "maxSurge"}, new String[] {"{\"maxUnavailable\":\"-1\"}", "maxUnavailable"},
                    new String[] {"{\"reason\":\"line\\none\"}", "reason"}, new String[] {"{\"reason\":\"" + "x".repeat(257) + "\"}", "reason"},
                    new String[] {"{\"colour\":\"blue\"}", "colour"})) {
                for (String path : List.of("/v1/services/web/prod/restart", "/v1/services/web/prod/restart/plan")) {
                    LiveServer.Reply r = s.post(path, s.admin(), bad[0]);
                    assertThat(r.code()).as("%s %s: %s", path, bad[0], r.body()).isEqualTo(400);
                    assertThat(r.body().path("field").asText()).as("%s", r.body()).isEqualTo(bad[1]);
                }
            }

            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"instances\":0}").code()).isEqualTo(201);
            playToTheEnd(s, m1);
            LiveServer.Reply none = s.post("/v1/services/web/prod/restart", s.admin(), null);
            assertThat(none.code()).isEqualTo(409);
            assertThat(none.body().path("detail").asText()).contains("runs 0 instances: there is nothing to restart")
                    .contains("steward deploy web --env prod --instances N");

            assertThat(s.get("/v1/services/web/prod/revisions", s.admin()).body().size()).as("nothing refused made a revision").isEqualTo(1);
            assertThat(s.get("/v1/services/web/prod/deployments", s.admin()).body().size()).as("the deploy and the scale alone").isEqualTo(2);
        }
    }

    @Test
    void a_recreate_restarts_as_a_recreate_and_has_no_bounds_to_override() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "2g");
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"strategy\":\"recreate\","
                    + SMALL + "}").code()).isEqualTo(201);
            playToTheEnd(s, m1);
            LiveServer.Reply bounded = s.post("/v1/services/web/prod/restart", s.admin(), "{\"maxSurge\":\"1\"}");
            assertThat(bounded.code()).isEqualTo(400);
            assertThat(bounded.body().path("field").asText()).isEqualTo("maxSurge");
            assertThat(bounded.body().path("detail").asText()).contains("rolls out with recreate");
            assertThat(s.get("/v1/services/web/prod/revisions", s.admin()).body().size()).isEqualTo(1);

            LiveServer.Reply recreate = s.post("/v1/services/web/prod/restart", s.admin(), null);
            assertThat(recreate.code()).as("%s", recreate.body()).isEqualTo(201);
            assertThat(recreate.body().path("deployment").path("rollout").path("strategy").asText()).isEqualTo("recreate");
            playToTheEnd(s, m1);
            assertThat(live(s)).hasSize(2).allSatisfy(i -> assertThat(i.path("revision").asInt()).isEqualTo(2));
        }
    }

    @Test
    void a_restart_after_a_rollout_that_failed_without_rolling_back_says_it_runs_that_revision_again() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String good = s.uploadScript("sleep 3600");
            String bad = s.uploadScript("exit 3");
            String[] m1 = s.agent("m1", "4", "2g");
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + good + "\",\"instances\":1," + SMALL + "}").code()).isEqualTo(201);
            playToTheEnd(s, m1);
            // never started (the test plays no agent now): nothing becomes available within the progress deadline
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + bad + "\",\"instances\":1,\"autoRollback\":false,"
                    + "\"progressDeadline\":\"1s\"," + SMALL + "}").code()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> service(s).path("lastDeployment").path("state").asText().equals("FAILED"));
            assertThat(service(s).path("revision").asInt()).isEqualTo(2);

            String note = "note: revision 2 is not stable (its rollout did not succeed), so the restart rolls it out again; "
                    + "'steward rollback' returns to revision 1";
            assertThat(s.post("/v1/services/web/prod/restart/plan", s.admin(), null).body().path("message").asText()).endsWith(note);
            LiveServer.Reply r = s.post("/v1/services/web/prod/restart", s.admin(), null);
            assertThat(r.code()).as("%s", r.body()).isEqualTo(201);
            assertThat(r.body().path("message").asText()).startsWith("restarting revision 2 as revision 3").endsWith(note);
            assertThat(r.body().path("revision").path("spec").path("packageDigest").asText()).isEqualTo(bad);
        }
    }

    @Test
    void one_instance_is_restarted_as_a_drain_moves_it_a_fresh_one_beside_it_first() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "2g");
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":3," + SMALL + "}").code()).isEqualTo(201);
            playToTheEnd(s, m1);
            JsonNode x = live(s).get(1);
            String id = x.path("id").asText();
            String path = "/v1/services/web/prod/instances/" + id + "/restart";

            LiveServer.Reply r = s.post(path, s.admin(), "{\"reason\":\"stuck on a lock\"}");
            assertThat(r.code()).as("%s", r.body()).isEqualTo(202);
            assertThat(r.body().path("id").asText()).isEqualTo(id);
            assertThat(r.body().path("reason").asText()).as("said on the instance while it serves on").isEqualTo("restarted by admin: stuck on a lock; "
                    + "a fresh instance takes its place");
            JsonNode al = s.get("/v1/allocations/" + x.path("allocationId").asText(), s.admin()).body();
            assertThat(al.path("state").asText()).isEqualTo("LEAVING");
            assertThat(al.path("reason").asText()).isEqualTo("restarted by admin: stuck on a lock");
            assertThat(s.post(path, s.admin(), null).code()).as("asked again: nothing more").isEqualTo(202);

            AtomicInteger fewest = new AtomicInteger(Integer.MAX_VALUE);
            AtomicInteger most = new AtomicInteger();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.play(m1);
                fewest.set(Math.min(fewest.get(), service(s).path("available").asInt()));
                most.set(Math.max(most.get(), live(s).size()));
                JsonNode old = s.get("/v1/services/web/prod/instances", s.admin()).body().findParents("id").stream()
                        .filter(i -> i.path("id").asText().equals(id)).findFirst().orElseThrow();
                return old.path("state").asText().equals("STOPPED") && live(s).stream()
                        .anyMatch(i -> id.equals(i.path("movedFrom").asText()) && i.path("state").asText().equals("HEALTHY"));
            });
            assertThat(fewest.get()).as("the fresh one is available before the old one stops").isGreaterThanOrEqualTo(3);
            assertThat(most.get()).as("one fresh instance, however often it was asked").isEqualTo(4);
            List<JsonNode> now = live(s);
            assertThat(now).hasSize(3).allSatisfy(i -> assertThat(i.path("revision").asInt()).isEqualTo(1)).noneMatch(i -> i.path("id").asText().equals(id));
            JsonNode stopped = s.get("/v1/services/web/prod/instances", s.admin()).body().findParents("id").stream()
                    .filter(i -> i.path("id").asText().equals(id)).findFirst().orElseThrow();
            assertThat(stopped.path("reason").asText()).isEqualTo("restarted by admin: stuck on a lock, and a fresh instance took its place");
            assertThat(s.get("/v1/services/web/prod/revisions", s.admin()).body().size()).as("no new revision").isEqualTo(1);
            assertThat(service(s).path("deployment").isMissingNode() || service(s).path("deployment").isNull()).as("no deployment").isTrue();

            LiveServer.Reply ended = s.post(path, s.admin(), null);
            assertThat(ended.code()).isEqualTo(409);
            assertThat(ended.body().path("detail").asText()).contains("has ended (stopped): there is nothing to restart");
            assertThat(s.post("/v1/services/web/prod/instances/" + "f".repeat(16) + "/restart", s.admin(), null).code()).isEqualTo(404);
            String fresh = now.get(0).path("id").asText();
            LiveServer.Reply bounded = s.post("/v1/services/web/prod/instances/" + fresh + "/restart", s.admin(), "{\"maxSurge\":\"1\"}");
            assertThat(bounded.code()).isEqualTo(400);
            assertThat(bounded.body().path("field").asText()).isEqualTo("maxSurge");
            assertThat(s.post("/v1/services/web/prod/instances/" + fresh + "/restart", s.admin(), "{\"reason\":\"a\\u0007b\"}").body().path("field")
                    .asText()).isEqualTo("reason");
            s.put("/v1/roles/other", s.admin(), "{}");
            String other = s.post("/v1/roles/other/tokens", s.admin(), null).body().path("token").asText();
            assertThat(s.post("/v1/services/web/prod/instances/" + fresh + "/restart", other, null).code()).as("another role's").isEqualTo(404);
            assertThat(s.get("/v1/allocations/" + now.get(0).path("allocationId").asText(), s.admin()).body().path("state").asText())
                    .as("no refusal asked anything to leave").isEqualTo("ALLOCATED");
        }
    }

    @Test
    void a_drain_of_its_agent_called_off_meanwhile_does_not_call_an_instances_restart_off() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "2g");
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":3," + SMALL + "}").code()).isEqualTo(201);
            playToTheEnd(s, m1);
            JsonNode x = live(s).get(0);
            String id = x.path("id").asText();
            assertThat(s.post("/v1/services/web/prod/instances/" + id + "/restart", s.admin(), null).code()).isEqualTo(202);
            assertThat(s.post("/v1/agents/" + m1[0] + "/drain", s.admin(), null).code()).isEqualTo(200);
            assertThat(s.post("/v1/agents/" + m1[0] + "/enable", s.admin(), null).code()).isEqualTo(200);
            JsonNode still = s.get("/v1/allocations/" + x.path("allocationId").asText(), s.admin()).body();
            assertThat(still.path("state").asText()).as("the enable gives back what the drain asked, not what the restart did").isEqualTo("LEAVING");
            assertThat(still.path("reason").asText()).isEqualTo("restarted by admin");
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.play(m1);
                List<JsonNode> now = live(s);
                return now.size() == 3 && now.stream().allMatch(i -> i.path("state").asText().equals("HEALTHY") && !i.path("id").asText().equals(id));
            });
        }
    }
}
