package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.client.StewardClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Deployments end to end: a real allocator, two real agents, the example app (a real HTTP
 * server) in packages: deploy v1, roll to v2, a canary of a v3 whose health check fails rolls back
 * to v2 with the reason, blue/green to v4, and a promotion from staging to prod.
 */
class DeployEndToEndTest {
    private static final String FAST = ",\"minHealthyTime\":\"1s\",\"healthyDeadline\":\"30s\",\"progressDeadline\":\"60s\"";
    private Cluster c;
    private Path work;
    private StewardClient admin;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new Cluster();
        c.agent("m1", Map.of());
        c.agent("m2", Map.of("ports", TestFork.ports(1)));
        work = Files.createTempDirectory("steward-deploy");
        admin = StewardClient.builder(c.server.url()).token(c.server.adminToken()).build();
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
            Cluster.removeTree(work, false);
        }
    }

    private JsonNode deploy(String env, String body) {
        return c.call("PUT", "/v1/services/webapp/" + env, body);
    }

    private JsonNode awaitEnd(String deployment) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String s = c.call("GET", "/v1/deployments/" + deployment, null).path("state").asText();
            return !Set.of("RUNNING", "PAUSED", "QUEUED", "ROLLING_BACK").contains(s);
        });
        return c.call("GET", "/v1/deployments/" + deployment, null);
    }

    /** What each endpoint of the service answers on /. */
    private Set<String> answers(String env) throws Exception {
        Set<String> out = new HashSet<>();
        for (JsonNode e : c.call("GET", "/v1/services/webapp/" + env + "/endpoints", null)) {
            String url = "http://" + e.path("host").asText() + ":" + e.path("ports").path("http").asInt() + "/";
            try (Response r = c.http.newCall(new Request.Builder().url(url).build()).execute()) {
                out.add(r.body().string().trim());
            }
        }
        return out;
    }

    @Test
    void deployRollCanaryRollbackBlueGreenAndPromote() throws Exception {
        String v1 = Apps.webapp(admin, work, "v1", Map.of());
        String v2 = Apps.webapp(admin, work, "v2", Map.of());
        String v3 = Apps.webapp(admin, work, "v3", Map.of("UNHEALTHY", "1"));
        String v4 = Apps.webapp(admin, work, "v4", Map.of());

        JsonNode first = deploy("staging", "{\"packageDigest\":\"" + v1 + "\",\"instances\":3,\"buildUrl\":\"https://ci/job/webapp/1/\"" + FAST + "}");
        JsonNode d1 = awaitEnd(first.path("deployment").path("id").asText());
        assertThat(d1.path("state").asText()).as("%s", d1).isEqualTo("SUCCEEDED");
        assertThat(answers("staging")).containsExactly("hello from v1");
        JsonNode instances = c.call("GET", "/v1/services/webapp/staging/instances", null);
        assertThat(instances.findValuesAsText("packageDigest")).contains(v1);
        assertThat(instances.findValuesAsText("buildUrl")).contains("https://ci/job/webapp/1/");

        JsonNode same = deploy("staging", "{\"packageDigest\":\"" + v1 + "\",\"instances\":3" + FAST + "}");
        assertThat(same.path("noop").asBoolean()).isTrue();
        assertThat(same.path("message").asText()).contains("already runs this");

        JsonNode second = deploy("staging", "{\"packageDigest\":\"" + v2 + "\",\"strategy\":\"rolling\",\"maxSurge\":\"1\",\"maxUnavailable\":\"0\"" + FAST + "}");
        JsonNode d2 = awaitEnd(second.path("deployment").path("id").asText());
        assertThat(d2.path("state").asText()).as("%s", d2).isEqualTo("SUCCEEDED");
        assertThat(answers("staging")).containsExactly("hello from v2");
        int v2rev = d2.path("revision").asInt();

        JsonNode third = deploy("staging", "{\"packageDigest\":\"" + v3 + "\",\"strategy\":\"canary\",\"steps\":[{\"weight\":\"1\",\"pause\":\"2s\"},"
                + "{\"weight\":\"50%\"}]" + FAST.replace("30s", "8s") + "}");
        JsonNode d3 = awaitEnd(third.path("deployment").path("id").asText());
        assertThat(d3.path("state").asText()).as("%s", d3).isEqualTo("ROLLED_BACK");
        assertThat(d3.path("reason").asText()).contains("revision " + d3.path("revision").asInt()).containsAnyOf("health check", "healthy deadline");
        JsonNode svc = c.call("GET", "/v1/services/webapp/staging", null);
        assertThat(svc.path("revision").asInt()).isEqualTo(v2rev);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(answers("staging")).containsExactly("hello from v2"));

        JsonNode fourth = deploy("staging", "{\"packageDigest\":\"" + v4 + "\",\"strategy\":\"bluegreen\",\"scaleDownDelay\":\"1s\"" + FAST + "}");
        JsonNode d4 = awaitEnd(fourth.path("deployment").path("id").asText());
        assertThat(d4.path("state").asText()).as("%s", d4).isEqualTo("SUCCEEDED");
        assertThat(d4.path("events").findValuesAsText("message")).anyMatch(m -> m.startsWith("switched"));
        assertThat(answers("staging")).containsExactly("hello from v4");

        JsonNode prod = deploy("prod", "{\"promoteFrom\":\"staging\",\"instances\":2,\"actor\":\"release-manager\"" + FAST + "}");
        JsonNode dp = awaitEnd(prod.path("deployment").path("id").asText());
        assertThat(dp.path("state").asText()).as("%s", dp).isEqualTo("SUCCEEDED");
        JsonNode prodRev = c.call("GET", "/v1/services/webapp/prod/revisions", null).get(0);
        assertThat(prodRev.path("spec").path("packageDigest").asText()).isEqualTo(v4);
        assertThat(prodRev.path("promotedFrom").asText()).startsWith("webapp/staging revision " + d4.path("revision").asInt());
        assertThat(prodRev.path("createdBy").asText()).startsWith("release-manager");
        assertThat(answers("prod")).containsExactly("hello from v4");
        assertThat(c.call("GET", "/v1/services/webapp/prod/endpoints", null).size()).isEqualTo(2);
    }

    @Test
    void anAbortedCanaryStopsServingAndOnlyTheStableRevisionRemains() throws Exception {
        String v1 = Apps.webapp(admin, work, "v1", Map.of());
        String v2 = Apps.webapp(admin, work, "v2", Map.of());
        JsonNode first = deploy("staging", "{\"packageDigest\":\"" + v1 + "\",\"instances\":3" + FAST + "}");
        assertThat(awaitEnd(first.path("deployment").path("id").asText()).path("state").asText()).isEqualTo("SUCCEEDED");
        int v1rev = first.path("deployment").path("revision").asInt();

        JsonNode canary = deploy("staging", "{\"packageDigest\":\"" + v2 + "\",\"strategy\":\"canary\",\"steps\":[{\"weight\":\"34%\",\"pause\":\"promote\"}]"
                + FAST + "}");
        String id = canary.path("deployment").path("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> c.call("GET", "/v1/deployments/" + id, null).path("state").asText().equals("PAUSED"));
        await().atMost(Duration.ofSeconds(30)).until(() -> answers("staging").contains("hello from v2"));

        c.call("POST", "/v1/deployments/" + id + "/abort", null);
        assertThat(c.call("GET", "/v1/deployments/" + id, null).path("state").asText()).isEqualTo("ABORTED");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode live = c.call("GET", "/v1/services/webapp/staging/instances", null);
            java.util.List<Integer> revisions = new java.util.ArrayList<>();
            for (JsonNode i : live) {
                if (!Set.of("STOPPED", "FAILED", "LOST").contains(i.path("state").asText())) {
                    revisions.add(i.path("revision").asInt());
                }
            }
            assertThat(revisions).as("live instances' revisions").containsExactly(v1rev, v1rev, v1rev);
        });
        assertThat(answers("staging")).containsExactly("hello from v1");
        assertThat(c.call("GET", "/v1/services/webapp/staging/endpoints", null).size()).isEqualTo(3);
    }
    /** The live instances of {@code env}'s service: not ended, not asked to stop. */
    private int live(String env) {
        int n = 0;
        for (JsonNode i : c.call("GET", "/v1/services/webapp/" + env + "/instances", null)) {
            if (!Set.of("STOPPED", "FAILED", "LOST", "STOPPING").contains(i.path("state").asText()) && !i.path("stopRequested").asBoolean()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aScaleIsARollingDeploymentOfTheRevisionThatRunsFollowedToItsEnd() throws Exception {
        String v1 = Apps.webapp(admin, work, "v1", Map.of());
        String spec = "\"packageDigest\":\"" + v1 + "\",\"cpus\":\"1\""; // two agents of 2 cpus: 4 instances fit
        JsonNode first = deploy("staging", "{" + spec + ",\"instances\":2" + FAST + "}");
        assertThat(awaitEnd(first.path("deployment").path("id").asText()).path("state").asText()).isEqualTo("SUCCEEDED");
        int rev = first.path("deployment").path("revision").asInt();

        JsonNode up = deploy("staging", "{" + spec + ",\"instances\":4" + FAST + "}");
        assertThat(up.path("message").asText()).as("%s", up).startsWith("scaled to 4 instances (from 2); revision " + rev + " unchanged (deployment ");
        assertThat(up.path("deployment").path("revision").asInt()).as("the revision that runs, not a new one").isEqualTo(rev);
        JsonNode d = awaitEnd(up.path("deployment").path("id").asText());
        assertThat(d.path("state").asText()).as("%s", d).isEqualTo("SUCCEEDED");
        assertThat(d.path("events").findValuesAsText("message")).anyMatch(m -> m.equals("started: revision " + rev + " of webapp/staging scaled from 2 to 4 "
                + "instances, rolling")).anyMatch(m -> m.startsWith("succeeded: revision " + rev + ": 4 of 4 instances available"));
        assertThat(c.call("GET", "/v1/services/webapp/staging/endpoints", null).size()).as("all four serve once it has succeeded").isEqualTo(4);
        assertThat(c.call("GET", "/v1/services/webapp/staging/revisions", null).size()).as("no revision was made").isEqualTo(1);

        // a canary of the revision that runs would stop it down to its step: a scale rolls, whatever is asked
        JsonNode down = deploy("staging", "{" + spec + ",\"instances\":1,\"strategy\":\"canary\",\"steps\":[{\"weight\":\"50%\",\"pause\":\"promote\"}]"
                + FAST + "}");
        JsonNode dd = awaitEnd(down.path("deployment").path("id").asText());
        assertThat(dd.path("state").asText()).as("%s", dd).isEqualTo("SUCCEEDED");
        assertThat(dd.path("rollout").path("strategy").asText()).isEqualTo("rolling");
        assertThat(live("staging")).isEqualTo(1);

        // more than fits: the scale fails with why its instances wait, and the revision stays the stable one
        JsonNode tooMany = deploy("staging", "{" + spec + ",\"instances\":6" + FAST.replace("60s", "3s") + "}");
        JsonNode df = awaitEnd(tooMany.path("deployment").path("id").asText());
        assertThat(df.path("state").asText()).as("%s", df).isEqualTo("FAILED");
        assertThat(df.path("reason").asText()).contains("progress deadline of 3s").contains("not placed yet").contains("insufficient cpus");
        JsonNode svc = c.call("GET", "/v1/services/webapp/staging", null);
        assertThat(svc.path("revision").asInt()).isEqualTo(rev);
        assertThat(svc.path("stableRevision").asInt()).isEqualTo(rev);
    }
}
