package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deploy that its role's limit could never let finish is refused at once (409), with what it
 * needs and what to change, and nothing is made; before, it was accepted, waited out its healthy
 * deadline (5 minutes) and failed with its service part started. What the role's other work holds
 * does not count: that comes and goes, and a deploy still waits for it. Over real HTTP, with an
 * agent registered that has room for everything (only the role's limit is in the way).
 */
class DeployLimitTest {
    private LiveServer s;
    private String ci;
    private String digest;
    private String other;

    @BeforeEach
    void start() {
        s = new LiveServer();
        s.agent("m1", "8", "16g");
        assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":1,\"limit\":{\"cpus\":\"1.5\"}}").code()).isIn(200, 201);
        ci = s.post("/v1/roles/ci/tokens", s.admin(), "{}").body().path("token").asText();
        digest = s.uploadScript("echo 1", ci);
        other = s.uploadScript("echo 2", ci);
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private LiveServer.Reply deploy(String body) {
        return s.put("/v1/services/web/prod", ci, body);
    }

    private String spec(String pkg, int instances, String more) {
        return "{\"packageDigest\":\"" + pkg + "\",\"instances\":" + instances + ",\"cpus\":\"0.5\",\"memory\":\"128m\"" + more + "}";
    }

    private void placed(int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            int placed = 0;
            for (JsonNode i : s.get("/v1/services/web/prod/instances", ci).body()) {
                placed += i.hasNonNull("allocationId") && !i.path("stopRequested").asBoolean() ? 1 : 0;
            }
            return placed == n;
        });
    }

    @Test
    void instances_above_the_limit_together_are_refused_at_once_and_nothing_is_made_and_the_plan_says_the_same() {
        LiveServer.Reply r = deploy(spec(digest, 4, ""));
        assertThat(r.code()).as("%s", r.body()).isEqualTo(409);
        assertThat(r.body().path("detail").asText()).isEqualTo("role 'ci''s limit could never let this deploy finish: web/prod's 4 instances of "
                + "cpus=0.5 memory=128m need cpus=2, above the limit of 1.5. Deploy fewer or smaller instances, or raise the limit "
                + "(steward roles set ci --limit ...)");
        assertThat(s.get("/v1/services/web/prod", ci).code()).as("no service was made").isEqualTo(404);
        assertThat(s.get("/v1/requests", s.admin()).body()).as("no instance asks for room").isEmpty();
        LiveServer.Reply plan = s.post("/v1/services/web/prod/plan", ci, spec(digest, 4, ""));
        assertThat(plan.code()).isEqualTo(409);
        assertThat(plan.body().path("detail").asText()).isEqualTo(r.body().path("detail").asText());

        // at the limit: made, and a scale beyond it is refused while one below it is not
        assertThat(deploy(spec(digest, 3, "")).code()).isEqualTo(201);
        placed(3);
        LiveServer.Reply more = deploy(spec(digest, 4, ""));
        assertThat(more.code()).isEqualTo(409);
        assertThat(more.body().path("detail").asText()).contains("web/prod's 4 instances of cpus=0.5 memory=128m need cpus=2, above the limit of 1.5");
        assertThat(s.get("/v1/services/web/prod", ci).body().path("instances").asInt()).as("the count asked for stays").isEqualTo(3);
        assertThat(deploy(spec(digest, 2, "")).code()).as("a scale down is never refused").isIn(200, 201);
    }

    @Test
    void a_rollout_that_would_hold_more_than_the_limit_beside_the_old_instances_is_refused_and_one_that_stops_some_first_is_not() {
        assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":1,\"limit\":{\"cpus\":\"2\"}}").code()).isEqualTo(200);
        assertThat(deploy(spec(digest, 4, "")).code()).isEqualTo(201);
        placed(4);
        LiveServer.Reply surge = deploy(spec(other, 4, ",\"maxSurge\":\"1\",\"maxUnavailable\":\"0\""));
        assertThat(surge.code()).as("%s", surge.body()).isEqualTo(409);
        assertThat(surge.body().path("detail").asText()).contains("this rolling update of web/prod would hold cpus=2.5 at once, above the limit of 2: "
                + "4 instances it replaces still running and 1 new beside them").contains("--max-unavailable 1");
        LiveServer.Reply blueGreen = deploy(spec(other, 4, ",\"strategy\":\"bluegreen\""));
        assertThat(blueGreen.code()).isEqualTo(409);
        assertThat(blueGreen.body().path("detail").asText()).contains("would hold cpus=4 at once");
        assertThat(s.get("/v1/services/web/prod", ci).body().path("revision").asInt()).as("no revision was made").isEqualTo(1);

        LiveServer.Reply oneDown = deploy(spec(other, 4, ",\"maxSurge\":\"1\",\"maxUnavailable\":\"1\""));
        assertThat(oneDown.code()).as("%s", oneDown.body()).isEqualTo(201);
        assertThat(s.get("/v1/services/web/prod", ci).body().path("revision").asInt()).isEqualTo(2);

        // the limit lowered under the service: a rollback to revision 1's 4 instances could not finish either
        assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":1,\"limit\":{\"cpus\":\"1\"}}").code()).isEqualTo(200);
        LiveServer.Reply back = s.post("/v1/services/web/prod/rollback", ci, "{\"revision\":1}");
        assertThat(back.code()).as("%s", back.body()).isEqualTo(409);
        assertThat(back.body().path("detail").asText()).contains("need cpus=2, above the limit of 1");
        assertThat(s.post("/v1/services/web/prod/rollback/plan", ci, "{\"revision\":1}").code()).isEqualTo(409);
    }

    @Test
    void what_the_roles_other_work_holds_is_waited_for_as_before() {
        LiveServer.Reply held = s.post("/v1/requests", ci, "{\"cpus\":\"1\",\"memory\":\"64m\"}");
        assertThat(held.body().path("state").asText()).isEqualTo("PLACED");
        LiveServer.Reply r = deploy(spec(digest, 3, ""));
        assertThat(r.code()).as("1.5 fits the limit by itself; the request's 1 cpu may be let go of: %s", r.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/requests?state=pending", ci).body().size() == 2);
    }
}
