package dev.steward.steps;

import dev.steward.api.DeployRequest;
import dev.steward.api.DeploymentState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The deploy step's behaviour against a real allocator and agent running the example app. */
class DeployWatchTest {
    private TestCluster c;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    private static DeployRequest req(String digest, int n, String healthyDeadline) {
        return new DeployRequest(digest, null, null, n, "0.25", "64m", null, null, null, null, null, null, null, "rolling", null, null, null, null, null, "1s",
                healthyDeadline, null, null, null, null, null, "jenkins", "https://ci/job/web/7/");
    }

    @Test
    void succeedsWithRevisionDigestAndEndpointsAndANoOpSaysSo() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        DeployWatch w = DeployWatch.start(c.admin, "webapp", "staging", req(v1, 2, "30s"), c.listener);
        DeployWatch.Outcome o = w.follow(Duration.ofMinutes(2));
        assertThat(o.succeeded()).as(o.message()).isTrue();
        assertThat(o.revision()).isEqualTo(1);
        assertThat(o.packageDigest()).isEqualTo(v1);
        assertThat(o.endpoints()).hasSize(2);
        Map<String, Object> result = o.stepResult(); // what the deploy step returns to the Pipeline
        assertThat(result).containsEntry("revision", 1).containsEntry("packageDigest", v1).containsKey("deployment");
        List<?> instances = (List<?>) result.get("instances");
        assertThat(instances).hasSize(2);
        Map<?, ?> first = (Map<?, ?>) instances.get(0);
        int port = (Integer) ((Map<?, ?>) first.get("ports")).get("http");
        assertThat(first.get("address")).isEqualTo(first.get("host") + ":" + port);
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(java.io.OutputStream.nullOutputStream())) {
            out.writeObject(result); // plain, serializable types only: the Pipeline saves what a step returns
        }
        assertThat(c.lines).anyMatch(l -> l.contains("started: revision 1")).anyMatch(l -> l.contains("is available"))
                .anyMatch(l -> l.startsWith("[status] RUNNING revision 1"));
        DeployWatch again = DeployWatch.start(c.admin, "webapp", "staging", req(v1, 2, "30s"), c.listener);
        assertThat(again.deploymentId()).isNull();
        DeployWatch.Outcome noop = again.follow(Duration.ofSeconds(10));
        assertThat(noop.succeeded()).isTrue();
        assertThat(noop.message()).contains("already runs this");
    }

    @Test
    void aFailureEndsWithTheReasonAndAJoinAfterARestartRepeatsNothing() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        String bad = c.webapp("v2", Map.of("UNHEALTHY", "1"));
        assertThat(DeployWatch.start(c.admin, "webapp", "prod", req(v1, 1, "30s"), c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();
        DeployWatch first = DeployWatch.start(c.admin, "webapp", "prod", req(bad, 1, "20s"), c.listener);
        String saved = first.deploymentId();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.admin.deployments().deployment(saved).lastEvent() >= 2);
        long seen = 2; // what the log showed before the controller restarted
        List<String> after = new ArrayList<>();
        DeployWatch joined = DeployWatch.join(c.admin, "webapp", "prod", saved, seen, after::add);
        DeployWatch.Outcome o = joined.follow(Duration.ofMinutes(2));
        assertThat(o.succeeded()).isFalse();
        assertThat(o.state()).isEqualTo(DeploymentState.ROLLED_BACK.name());
        assertThat(o.reason()).contains("health check http /healthz on port http failed");
        var events = c.admin.deployments().deployment(saved).events();
        assertThat(after).noneMatch(l -> l.equals("steward: " + events.get(0).message())).noneMatch(l -> l.equals("steward: " + events.get(1).message()))
                .anyMatch(l -> l.contains("rolled back"));
        // what the failed instance last wrote (on stdout: it writes nothing on stderr), and where to read the rest
        int at = after.indexOf("steward: its last stdout:");
        assertThat(at).as("%s", after).isPositive();
        assertThat(after.get(at + 1)).startsWith("steward:   | webapp v2 listening on 127.0.0.1:");
        assertThat(after).anyMatch(l -> l.matches("steward: all of it: steward logs [0-9a-f]{16} \\(and --stderr\\)"));
    }

    @Test
    void anAbortedStepAbortsTheDeploymentOrLeavesIt() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        String slow = c.webapp("v2", Map.of("UNHEALTHY", "1"));
        assertThat(DeployWatch.start(c.admin, "webapp", "qa", req(v1, 1, "30s"), c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();
        DeployWatch leave = DeployWatch.start(c.admin, "webapp", "qa", req(slow, 1, "5m"), c.listener);
        leave.aborted(false);
        assertThat(c.admin.deployments().deployment(leave.deploymentId()).state()).isEqualTo(DeploymentState.RUNNING);
        leave.aborted(true);
        assertThat(c.admin.deployments().deployment(leave.deploymentId()).state()).isEqualTo(DeploymentState.ABORTED);
        assertThat(c.lines).anyMatch(l -> l.contains("goes on")).anyMatch(l -> l.contains("is ABORTED"));
    }

    /**
     * The same deploy again while the first still rolls out (a second build, a replay) follows
     * that rollout to its end and gives its outcome; before, it ended at once as a success, though
     * the rollout it named had not succeeded (and here never does).
     */
    @Test
    void theSameDeployAgainWhileItRollsOutFollowsThatRolloutToItsEnd() throws Exception {
        String slow = c.webapp("v2", Map.of("UNHEALTHY", "1"));
        DeployWatch first = DeployWatch.start(c.admin, "webapp", "uat", req(slow, 1, "5m"), c.listener);
        DeployWatch again = DeployWatch.start(c.admin, "webapp", "uat", req(slow, 1, "5m"), c.listener);
        assertThat(c.lines).anyMatch(l -> l.contains("is already rolling out revision 1"));
        assertThat(again.deploymentId()).as("it joins the rollout under way").isEqualTo(first.deploymentId());
        first.aborted(true);
        DeployWatch.Outcome o = again.follow(Duration.ofSeconds(30));
        assertThat(o.succeeded()).isFalse();
        assertThat(o.state()).isEqualTo(DeploymentState.ABORTED.name());
        assertThat(o.deployment()).isEqualTo(first.deploymentId());
    }

    @Test
    void aRollbackIsPlannedThenFollowedToItsEndAsADeployIsAndABadRevisionIsRefusedWithTheReason() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        String v2 = c.webapp("v2", Map.of());
        assertThat(DeployWatch.start(c.admin, "webapp", "prod", req(v1, 2, "30s"), c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();
        assertThat(DeployWatch.start(c.admin, "webapp", "prod", req(v2, 2, "30s"), c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();

        List<String> planned = new ArrayList<>();
        Map<String, Object> plan = DeployPlanRun.result(DeployPlanRun.planRollback(c.admin, "webapp", "prod", null, planned::add));
        assertThat(plan).containsEntry("action", "NEW_REVISION").containsEntry("revision", 3).containsEntry("fromRevision", 2);
        assertThat(planned.get(0)).startsWith("steward: would roll webapp/prod back to revision 1 as revision 3");
        assertThat(c.admin.deployments().service("webapp", "prod").revision()).as("a plan changes nothing").isEqualTo(2);

        DeployWatch back = DeployWatch.rollback(c.admin, "webapp", "prod", null, c.listener);
        DeployWatch.Outcome o = back.follow(Duration.ofMinutes(2));
        assertThat(o.succeeded()).as(o.message()).isTrue();
        assertThat(o.revision()).isEqualTo(3);
        assertThat(o.packageDigest()).as("revision 1's package runs again").isEqualTo(v1);
        assertThat(o.stepResult()).containsEntry("revision", 3).containsEntry("packageDigest", v1);
        assertThat(o.endpoints()).hasSize(2).allMatch(e -> e.revision() == 3);
        assertThat(c.lines).anyMatch(l -> l.startsWith("steward: rolling webapp/prod back to revision 1 as revision 3 (deployment " + back.deploymentId()
                + ", rolling)")).anyMatch(l -> l.startsWith("[status] RUNNING revision 3"));

        assertThatThrownBy(() -> DeployWatch.rollback(c.admin, "webapp", "prod", 9, c.listener))
                .isInstanceOf(dev.steward.client.StewardException.class).hasMessageContaining("revision").hasMessageContaining("kept: ");
    }

    @Test
    void aRestartIsPlannedThenFollowedToItsEndWithFreshInstancesAndARefusalSaysWhy() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        assertThat(DeployWatch.start(c.admin, "webapp", "prod", req(v1, 2, "30s"), c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();
        List<String> before = c.admin.deployments().instances("webapp", "prod").stream().map(i -> i.id()).toList();
        dev.steward.api.RestartRequest req = new dev.steward.api.RestartRequest("a slow leak", "1", "0", "jenkins web#8");

        List<String> planned = new ArrayList<>();
        Map<String, Object> plan = DeployPlanRun.result(DeployPlanRun.planRestart(c.admin, "webapp", "prod", req, planned::add));
        assertThat(plan).containsEntry("action", "RESTART").containsEntry("revision", 2).containsEntry("fromRevision", 1).containsEntry("fits", true);
        assertThat(planned.get(0)).startsWith("steward: would restart webapp/prod: revision 1's package and config as revision 2");

        DeployWatch w = DeployWatch.restart(c.admin, "webapp", "prod", req, c.listener);
        assertThatThrownBy(() -> DeployWatch.restart(c.admin, "webapp", "prod", req, c.listener)).as("one at a time")
                .isInstanceOf(dev.steward.client.StewardException.class).hasMessageContaining("is rolling out revision 2");
        DeployWatch.Outcome o = w.follow(Duration.ofMinutes(2));
        assertThat(o.succeeded()).as(o.message()).isTrue();
        assertThat(o.revision()).isEqualTo(2);
        assertThat(o.packageDigest()).isEqualTo(v1);
        assertThat(o.endpoints()).hasSize(2).allMatch(e -> e.revision() == 2).noneMatch(e -> before.contains(e.instance()));
        assertThat(c.lines).anyMatch(l -> l.startsWith("steward: restarting revision 1 as revision 2: 2 instances replaced, rolling (deployment "
                + w.deploymentId() + ")")).anyMatch(l -> l.contains("restart of revision 1: a slow leak"));
        assertThat(c.admin.deployments().revisions("webapp", "prod")).filteredOn(r -> r.number() == 2).singleElement()
                .satisfies(r -> assertThat(r.createdBy()).startsWith("jenkins web#8 (")).satisfies(r -> assertThat(r.restartOf()).isEqualTo(1));
    }
}
