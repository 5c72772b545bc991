package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A service's priority over real HTTP, with an agent played by the test: its instances ask for
 * their allocations at it, so a service above a build farm's preemptible allocation takes that
 * room back when nothing else fits, and one at the default does not; raising it reaches the
 * instances already waiting; it is the service's (kept across deploys, rollbacks and promotions,
 * set on a promotion without touching the source) and survives a restart; a plan counts the room
 * a preemption would give; a bad one is refused naming the field, and nothing is stored; a role's
 * maxPriority, set by the admin, bounds what its requests and services may ask at.
 */
class ServicePriorityApiTest {
    private static final String SMALL = "\"cpus\":\"1\",\"memory\":\"64m\",\"minHealthyTime\":\"0s\"";

    /** A preemptible allocation of role farm at {@code priority} filling the 2-cpu agent; returns its id. */
    private static String farm(LiveServer s, int priority) {
        assertThat(s.put("/v1/roles/farm", s.admin(), "{\"weight\":1}").code()).isIn(200, 201);
        LiveServer.Reply r = s.post("/v1/requests", s.admin(), "{\"role\":\"farm\",\"cpus\":\"2\",\"memory\":\"1g\",\"preemptible\":true,\"priority\":"
                + priority + "}");
        assertThat(r.code()).as("%s", r.body()).isEqualTo(201);
        return r.body().path("allocations").get(0).asText();
    }

    private static JsonNode instance(LiveServer s, String env) {
        return s.get("/v1/services/web/" + env + "/instances", s.admin()).body().get(0);
    }

    @Test
    void a_service_at_the_default_priority_waits_and_raising_it_takes_the_farms_room() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "2", "2g");
            String borrowed = farm(s, 50);
            LiveServer.Reply deployed = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\"," + SMALL + "}");
            assertThat(deployed.code()).as("%s", deployed.body()).isEqualTo(201);
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("priority").asInt()).isEqualTo(50);
            // at the default priority, the same as the farm's, nothing is preempted: the instance waits, saying why
            await().atMost(Duration.ofSeconds(30)).until(() -> instance(s, "prod").path("reason").asText().contains("insufficient cpus"));
            assertThat(s.get("/v1/allocations/" + borrowed, s.admin()).body().path("state").asText()).isEqualTo("ALLOCATED");
            // the rollout's log says what would take the room, once
            String deployment = deployed.body().path("deployment").path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/deployments/" + deployment, s.admin()).body().path("events").toString()
                    .contains("1 agent: 1 insufficient cpus; preemptible allocations hold room for it: priority 51 or more would take it"));

            LiveServer.Reply wouldRaise = s.post("/v1/services/web/prod/plan", s.admin(), "{\"priority\":100}");
            assertThat(wouldRaise.body().path("message").asText()).startsWith("would set priority 100 (was 50); nothing else to do")
                    .endsWith("; the instance finds room now, by preempting 1 preemptible allocation of a lower priority");
            LiveServer.Reply raised = s.put("/v1/services/web/prod", s.admin(), "{\"priority\":100}");
            assertThat(raised.code()).as("%s", raised.body()).isEqualTo(200);
            assertThat(raised.body().path("message").asText())
                    .startsWith("priority 100 (was 50; 1 instance waiting for a place now asks at it); deployment ");
            assertThat(raised.body().path("noop").asBoolean()).as("no new revision, no new deployment").isTrue();
            assertThat(s.get("/v1/services/web/prod/revisions", s.admin()).body().size()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/allocations/" + borrowed, s.admin()).body().path("state").asText()
                    .equals("PREEMPTED"));
            assertThat(s.get("/v1/allocations/" + borrowed, s.admin()).body().path("reason").asText()).contains("of role 'default' at priority 100");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/prod", s.admin()).body().path("available").asInt() == 1;
            });
            JsonNode svc = s.get("/v1/services/web/prod", s.admin()).body();
            assertThat(svc.path("priority").asInt()).isEqualTo(100);
            assertThat(svc.path("lastDeployment").path("state").asText()).isEqualTo("SUCCEEDED");

            // a deploy that leaves it out keeps it; the same deploy again says there is nothing to do
            LiveServer.Reply again = s.put("/v1/services/web/prod", s.admin(), "{\"priority\":100}");
            assertThat(again.body().path("message").asText()).startsWith("revision 1 already runs this").endsWith("nothing to do");
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"memory\":\"96m\"}").code()).isEqualTo(201);
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("priority").asInt()).isEqualTo(100);
        }
    }

    @Test
    void a_new_service_above_the_farm_preempts_on_its_first_deploy_and_its_plan_says_the_priority() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            s.agent("m1", "2", "2g");
            String borrowed = farm(s, 10);
            LiveServer.Reply plan = s.post("/v1/services/web/prod/plan", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"priority\":20," + SMALL + "}");
            assertThat(plan.code()).as("%s", plan.body()).isEqualTo(200);
            assertThat(plan.body().path("message").asText())
                    .endsWith("the instance finds room now, by preempting 1 preemptible allocation of a lower priority");
            assertThat(plan.body().path("placement").path("preempted").asInt()).isEqualTo(1);
            assertThat(plan.body().path("changes").toString()).contains("{\"field\":\"priority\",\"to\":\"20\"}");
            LiveServer.Reply below = s.post("/v1/services/web/prod/plan", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"priority\":10," + SMALL + "}");
            assertThat(below.body().path("message").asText()).as("at the farm's own priority").contains("only 0 of 1 instances find room now")
                    .doesNotContain("preempting");
            assertThat(s.get("/v1/services", s.admin()).body().size()).as("a plan changes nothing").isZero();
            assertThat(s.get("/v1/allocations/" + borrowed, s.admin()).body().path("state").asText()).isEqualTo("ALLOCATED");
            LiveServer.Reply deployed = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"priority\":20," + SMALL + "}");
            assertThat(deployed.code()).as("%s", deployed.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/allocations/" + borrowed, s.admin()).body().path("state").asText()
                    .equals("PREEMPTED"));
            await().atMost(Duration.ofSeconds(30)).until(() -> !instance(s, "prod").path("allocationId").isNull());
            JsonNode placed = s.get("/v1/allocations/" + instance(s, "prod").path("allocationId").asText(), s.admin()).body();
            assertThat(placed.path("priority").asInt()).isEqualTo(20);
            // whose room it took, on both sides and in the rollout's log
            JsonNode taken = s.get("/v1/allocations/" + borrowed, s.admin()).body();
            assertThat(placed.path("preempted").toString()).isEqualTo("[\"" + borrowed + "\"]");
            String room = "placed on agent m1, in the room of 1 preempted allocation: " + borrowed + " (role 'farm', priority 10)";
            assertThat(placed.path("reason").asText()).isEqualTo(room);
            assertThat(placed.path("history").get(0).path("message").asText()).isEqualTo(room);
            assertThat(taken.path("reason").asText()).isEqualTo("preempted by request " + placed.path("requestId").asText()
                    + " of role 'default' at priority 20");
            String deployment = deployed.body().path("deployment").path("id").asText();
            String instanceId = instance(s, "prod").path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/deployments/" + deployment, s.admin()).body().path("events").toString()
                    .contains("instance " + instanceId + " of revision 1 is " + room));
            assertThat(s.get("/v1/allocations/" + borrowed, s.admin()).body().has("preempted")).as("it took no one's room").isFalse();
            LiveServer.Reply lower = s.post("/v1/services/web/prod/plan", s.admin(), "{\"priority\":5}");
            assertThat(lower.body().path("message").asText()).startsWith("would set priority 5 (was 20); nothing else to do: revision 1");
            assertThat(lower.body().path("changes").toString()).isEqualTo("[{\"field\":\"priority\",\"from\":\"20\",\"to\":\"5\"}]");
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("priority").asInt()).as("a plan changes nothing").isEqualTo(20);
        }
    }

    @Test
    void a_promotion_sets_the_targets_priority_and_leaves_the_sources() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String digest = s.uploadScript("sleep 3600");
            String[] m1 = s.agent("m1", "4", "4g");
            assertThat(s.put("/v1/services/web/staging", s.admin(), "{\"packageDigest\":\"" + digest + "\"," + SMALL + "}").code()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/staging", s.admin()).body().path("stableRevision").asInt() == 1;
            });
            LiveServer.Reply promoted = s.put("/v1/services/web/prod", s.admin(), "{\"promoteFrom\":\"staging\",\"priority\":700,\"minHealthyTime\":\"0s\"}");
            assertThat(promoted.code()).as("%s", promoted.body()).isEqualTo(201);
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("priority").asInt()).isEqualTo(700);
            assertThat(s.get("/v1/services/web/staging", s.admin()).body().path("priority").asInt()).isEqualTo(50);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/prod", s.admin()).body().path("stableRevision").asInt() == 1;
            });
            // a rollback or a promotion that leaves it out keeps it
            assertThat(s.put("/v1/services/web/staging", s.admin(), "{\"memory\":\"96m\"}").code()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/staging", s.admin()).body().path("stableRevision").asInt() == 2;
            });
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"promoteFrom\":\"staging\",\"minHealthyTime\":\"0s\"}").code()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/prod", s.admin()).body().path("stableRevision").asInt() == 2;
            });
            assertThat(s.post("/v1/services/web/prod/rollback", s.admin(), null).code()).isEqualTo(201);
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("priority").asInt()).isEqualTo(700);
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (!i.path("allocationId").isMissingNode() && !i.path("allocationId").isNull()) {
                    assertThat(s.get("/v1/allocations/" + i.path("allocationId").asText(), s.admin()).body().path("priority").asInt()).isEqualTo(700);
                }
            }
        }
    }

    @Test
    void a_bad_priority_is_refused_naming_the_field_and_nothing_is_stored() {
        try (LiveServer s = new LiveServer()) {
            String digest = s.uploadScript("sleep 3600");
            for (String bad : new String[] {"1001", "-1"}) {
                LiveServer.Reply r = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"priority\":" + bad + "}");
                assertThat(r.code()).isEqualTo(400);
                assertThat(r.body().path("field").asText()).isEqualTo("priority");
                assertThat(r.body().path("detail").asText()).isEqualTo("priority: is " + bad + "; it must be from 0 to 1000");
            }
            LiveServer.Reply words = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"priority\":\"high\"}");
            assertThat(words.code()).isEqualTo(400);
            assertThat(words.body().path("field").asText()).isEqualTo("priority");
            assertThat(s.get("/v1/services", s.admin()).body().size()).as("nothing was stored").isZero();
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"priority\":300}").code()).isEqualTo(201);
            LiveServer.Reply r = s.put("/v1/services/web/prod", s.admin(), "{\"priority\":1001}");
            assertThat(r.code()).isEqualTo(400);
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("priority").asInt()).as("unchanged by the refused deploy").isEqualTo(300);
        }
    }

    @Test
    void the_priority_survives_a_restart() throws Exception {
        Path dir = Files.createTempDirectory("steward-priority");
        try {
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                String digest = s.uploadScript("sleep 3600");
                assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"priority\":900}").code()).isEqualTo(201);
            }
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("priority").asInt()).isEqualTo(900);
                JsonNode request = s.get("/v1/requests/" + instance(s, "prod").path("requestId").asText(), s.admin()).body();
                assertThat(request.path("request").path("priority").asInt()).as("its pending instance's request too").isEqualTo(900);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void a_roles_max_priority_bounds_what_its_requests_and_services_ask_at() {
        try (LiveServer s = new LiveServer()) {
            assertThat(s.put("/v1/roles/farm", s.admin(), "{\"weight\":1,\"maxPriority\":1001}").body().path("field").asText()).isEqualTo("maxPriority");
            LiveServer.Reply capped = s.put("/v1/roles/farm", s.admin(), "{\"weight\":1,\"maxPriority\":20}");
            assertThat(capped.code()).as("%s", capped.body()).isIn(200, 201);
            assertThat(capped.body().path("maxPriority").asInt()).isEqualTo(20);
            assertThat(s.get("/v1/roles/default", s.admin()).body().path("maxPriority").asInt()).as("uncapped").isEqualTo(1000);
            String farm = s.post("/v1/roles/farm/tokens", s.admin(), "{}").body().path("token").asText();
            String digest = s.uploadScript("sleep 3600", farm);

            LiveServer.Reply high = s.post("/v1/requests", farm, "{\"cpus\":\"0.5\",\"priority\":21,\"preemptible\":true}");
            assertThat(high.code()).isEqualTo(403);
            assertThat(high.body().path("detail").asText()).contains("role 'farm' may ask at priority 20 at most (its maxPriority")
                    .contains("the request asked for 21");
            LiveServer.Reply unnamed = s.post("/v1/requests", farm, "{\"cpus\":\"0.5\"}");
            assertThat(unnamed.code()).as("%s", unnamed.body()).isEqualTo(201);
            assertThat(unnamed.body().path("request").path("priority").asInt()).as("naming none asks at the cap, below the default").isEqualTo(20);

            LiveServer.Reply service = s.put("/v1/services/web/prod", farm, "{\"packageDigest\":\"" + digest + "\",\"priority\":900}");
            assertThat(service.code()).isEqualTo(403);
            assertThat(service.body().path("detail").asText()).contains("service web/prod asked for 900");
            assertThat(s.post("/v1/services/web/prod/plan", farm, "{\"packageDigest\":\"" + digest + "\",\"priority\":900}").code())
                    .as("refused as the deploy would be").isEqualTo(403);
            assertThat(s.get("/v1/services", s.admin()).body().size()).as("nothing was stored").isZero();
            assertThat(s.put("/v1/services/web/prod", farm, "{\"packageDigest\":\"" + digest + "\"}").code()).isEqualTo(201);
            assertThat(s.get("/v1/services/web/prod", farm).body().path("priority").asInt()).as("a new service at the cap, below the default")
                    .isEqualTo(20);

            // a cap lowered later takes nothing away: the service keeps its priority until a deploy names one
            assertThat(s.put("/v1/roles/farm", s.admin(), "{\"weight\":1,\"maxPriority\":10}").code()).isEqualTo(200);
            assertThat(s.put("/v1/services/web/prod", farm, "{\"instances\":2}").code()).isIn(200, 201);
            assertThat(s.get("/v1/services/web/prod", farm).body().path("priority").asInt()).isEqualTo(20);
            assertThat(s.put("/v1/services/web/prod", farm, "{\"priority\":15}").code()).isEqualTo(403);
        }
    }
}
