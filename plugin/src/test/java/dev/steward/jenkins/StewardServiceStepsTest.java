package dev.steward.jenkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.DeploymentState;
import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.PackageBuilder;
import hudson.model.Result;
import hudson.util.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** deploy, monitor, deleteService, rollbackService, restartService and execService in a real Jenkins, against a real allocator and agent running the example app. */
@WithJenkins
class StewardServiceStepsTest {
    private Path dir;
    private Server server;
    private Agent agent;
    private StewardClient admin;

    @BeforeEach
    void cluster() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (the example app needs it)");
        dir = Files.createTempDirectory("steward-plugin-svc");
        server = Server.start(ServerConfig.of(dir.resolve("server")));
        agent = new Agent(AgentConfig.load(null, Map.of("server", server.url(), "join-token", server.joinToken(), "data", dir.resolve("agent").toString(),
                "name", "a1", "ports", "28000-28999", "cgroup-parent", "steward-plugin-" + Long.toHexString(System.nanoTime()),
                "heartbeat-interval", "500ms")), Clock.systemUTC()).start();
        admin = StewardClient.builder(server.url()).token(server.adminToken()).build();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            agent.stopTasks(Duration.ofSeconds(20));
            agent.close();
        }
    }

    /** The example app as {@code version}, uploaded; returns its digest. */
    private String webapp(String version, Map<String, String> env) throws Exception {
        Path app = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && app == null; p = p.getParent()) {
            if (Files.exists(p.resolve("examples/webapp/app.py"))) {
                app = p.resolve("examples/webapp/app.py");
            }
        }
        assertNotNull(app, "examples/webapp/app.py is not above " + Path.of("").toAbsolutePath());
        Path tree = Files.createDirectories(dir.resolve("src-" + version));
        Files.copy(app, tree.resolve("app.py"), StandardCopyOption.REPLACE_EXISTING);
        Path out = dir.resolve(version + ".tar.zst");
        PackageBuilder.from(tree).manifest(new PackageManifest(null, "webapp", version, "exec python3 app.py", env.isEmpty() ? null : env, List.of("http"),
                new HealthCheck("http", "/healthz", "http", null, "300ms", "250ms", "5s", 2), null, null)).writeTo(out);
        String d = PackageClient.digestOf(out);
        admin.packages().push(out, d);
        return d;
    }

    private static String deploy(String digest, String healthyDeadline) {
        return "deploy(app: 'webapp', env: 'staging', packageDigest: '" + digest + "', instances: 2, cpus: '0.25', memory: '64m', minHealthyTime: '1s', "
                + "healthyDeadline: '" + healthyDeadline + "')";
    }

    @Test
    void deployReturnsTheRevisionAndAFailedRolloutFailsTheStageWithItsReason(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        String bad = webapp("v2", Map.of("UNHEALTHY", "1"));

        WorkflowJob ok = j.createProject(WorkflowJob.class, "deploy-v1");
        ok.setDefinition(new CpsFlowDefinition("def r = " + deploy(v1, "60s") + "\necho \"revision=${r.revision} digest=${r.packageDigest}\"", true));
        WorkflowRun b1 = j.buildAndAssertSuccess(ok);
        j.assertLogContains("revision=1 digest=" + v1, b1);
        j.assertLogContains("is available", b1);
        assertEquals(2, admin.deployments().endpoints("webapp", "staging").size());

        WorkflowJob failing = j.createProject(WorkflowJob.class, "deploy-v2");
        failing.setDefinition(new CpsFlowDefinition(deploy(bad, "20s") + "\necho 'after deploy'", true));
        WorkflowRun b2 = j.buildAndAssertStatus(Result.FAILURE, failing);
        j.assertLogContains("rolled back", b2);
        j.assertLogContains("health check http /healthz on port http failed", b2);
        j.assertLogNotContains("after deploy", b2);
        assertEquals(1, admin.deployments().service("webapp", "staging").stableRevision(), "revision 1 stays the stable one");
    }

    @Test
    void aDryRunLogsAndReturnsThePlanAndDeploysNothing(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        j.buildAndAssertSuccess(job(j, "first", deploy(v1, "60s")));
        String v2 = webapp("v2", Map.of("GREETING", "hello"));
        WorkflowJob p = job(j, "plan", "def plan = deploy(app: 'webapp', env: 'staging', packageDigest: '" + v2 + "', instances: 3, cpus: '0.25', "
                + "memory: '64m', dryRun: true)\n"
                + "echo \"action=${plan.action} revision=${plan.revision} fits=${plan.fits} fields=${plan.changes.collect { it.field }}\"");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("would deploy revision 2 of webapp/staging (3 instances, rolling)", b);
        j.assertLogContains("action=NEW_REVISION revision=2 fits=true fields=[packageDigest]", b);
        assertEquals(1, admin.deployments().service("webapp", "staging").stableRevision(), "nothing was deployed");
        assertEquals(2, admin.deployments().endpoints("webapp", "staging").size());
    }

    @Test
    void secretCredentialsSetTheServicesSecretsFromJenkinsCredentialsAndNoLogShowsThem(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        SystemCredentialsProvider.getInstance().getCredentials().add(new StringCredentialsImpl(CredentialsScope.GLOBAL, "staging-db",
                "the staging database's password", Secret.fromString("pw-from-jenkins-1")));
        SystemCredentialsProvider.getInstance().save();
        String v1 = webapp("v1", Map.of());
        String call = "deploy(app: 'webapp', env: 'staging', packageDigest: '" + v1 + "', instances: 1, cpus: '0.25', memory: '64m', "
                + "minHealthyTime: '1s', secretCredentials: ['db-password=staging-db'])";
        WorkflowRun b1 = j.buildAndAssertSuccess(job(j, "secrets", call));
        j.assertLogContains("secret db-password of webapp/staging is at version 1", b1);
        j.assertLogNotContains("pw-from-jenkins", b1);
        assertEquals(Map.of("db-password", 1), admin.deployments().revisions("webapp", "staging").get(0).spec().secrets());
        WorkflowRun again = j.buildAndAssertSuccess(job(j, "again", call));
        j.assertLogContains("is at version 1", again);
        assertEquals(1, admin.deployments().service("webapp", "staging").revision(), "the same value again rolls nothing out");

        WorkflowRun missing = j.buildAndAssertStatus(Result.FAILURE, job(j, "missing", call.replace("staging-db", "no-such-credential")));
        j.assertLogContains("there is no Secret text credential 'no-such-credential' that this build may use (for secret db-password)", missing);
    }

    @Test
    void abortingTheBuildAbortsTheDeploymentWhenAsked(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        String slow = webapp("v2", Map.of("UNHEALTHY", "1"));
        j.buildAndAssertSuccess(job(j, "first", deploy(v1, "60s")));
        WorkflowJob p = job(j, "abort", "deploy(app: 'webapp', env: 'staging', packageDigest: '" + slow + "', instances: 2, cpus: '0.25', memory: '64m', "
                + "healthyDeadline: '10m', progressDeadline: '10m', abortDeployment: true)");
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        j.waitForMessage("started: revision 2", b);
        b.doStop();
        j.assertBuildStatus(Result.ABORTED, j.waitForCompletion(b));
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> admin.deployments().deployments("webapp", "staging").stream()
                .anyMatch(d -> d.revision() == 2 && d.state() == DeploymentState.ABORTED));
    }

    @Test
    void monitorReturnsTheVerdictAndArchivesBothReports(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        WorkflowJob p = job(j, "monitor", deploy(v1, "60s") + "\n"
                + "def m = monitor(app: 'webapp', env: 'staging', duration: '4s', interval: '1s', window: '2s', gates: ['healthy >= 100%'])\n"
                + "echo \"verdict=${m.verdict}\"");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("verdict=PASS", b);
        List<String> archived = b.getArtifacts().stream().map(a -> a.relativePath).toList();
        assertEquals(2, archived.size(), archived.toString());
        org.assertj.core.api.Assertions.assertThat(archived).anyMatch(a -> a.endsWith("/monitor.html")).anyMatch(a -> a.endsWith("/monitor.json"));
    }

    @Test
    void anInconclusiveMonitorMarksTheBuildUnstable(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        // the example app exports no such metric, so the gate never has data: inconclusive, never a pass
        WorkflowJob p = job(j, "unstable", deploy(v1, "60s") + "\n"
                + "monitor(app: 'webapp', env: 'staging', duration: '3s', interval: '1s', gates: ['p99 < 250ms'], metricsPath: '/no-metrics-here')");
        WorkflowRun b = j.buildAndAssertStatus(Result.UNSTABLE, p);
        j.assertLogContains("INCONCLUSIVE", b);
    }

    @Test
    void deleteServiceStopsEverythingWaitsUntilItIsGoneAndRunsAgainWithoutFailing(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        WorkflowJob p = job(j, "cleanup", deploy(v1, "60s") + "\n"
                + "def first = deleteService(app: 'webapp', env: 'staging')\n"
                + "def again = deleteService(app: 'webapp', env: 'staging')\n"
                + "echo \"first=${first} again=${again}\"");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("deleting webapp/staging: 2 instances stopping", b);
        j.assertLogContains("deleted webapp/staging", b);
        j.assertLogContains("first=true again=false", b);
        org.assertj.core.api.Assertions.assertThat(admin.deployments().services()).isEmpty();

        WorkflowRun strict = j.buildAndAssertStatus(Result.FAILURE, job(j, "strict", "deleteService(app: 'webapp', env: 'staging', missingOk: false)"));
        j.assertLogContains("webapp/staging", strict);
    }

    @Test
    void rollbackServicePlansThenRollsBackFollowingItAndReturnsWhatRuns(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        String v2 = webapp("v2", Map.of("GREETING", "hello"));
        j.buildAndAssertSuccess(job(j, "v1", deploy(v1, "60s")));
        j.buildAndAssertSuccess(job(j, "v2", deploy(v2, "60s")));
        WorkflowJob p = job(j, "rollback", "def plan = rollbackService(app: 'webapp', env: 'staging', dryRun: true)\n"
                + "echo \"plan=${plan.action} revision=${plan.revision}\"\n"
                + "def r = rollbackService(app: 'webapp', env: 'staging')\n"
                + "echo \"revision=${r.revision} digest=${r.packageDigest} instances=${r.instances.size()}\"");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("would roll webapp/staging back to revision 1 as revision 3", b);
        j.assertLogContains("plan=NEW_REVISION revision=3", b);
        j.assertLogContains("rolling webapp/staging back to revision 1 as revision 3", b);
        j.assertLogContains("revision=3 digest=" + v1 + " instances=2", b);
        assertEquals(3, admin.deployments().service("webapp", "staging").revision());

        WorkflowRun bad = j.buildAndAssertStatus(Result.FAILURE, job(j, "bad", "rollbackService(app: 'webapp', env: 'staging', revision: 9)"));
        j.assertLogContains("kept: ", bad);
    }

    @Test
    void restartServicePlansThenReplacesEveryInstanceFollowingIt(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        j.buildAndAssertSuccess(job(j, "v1", deploy(v1, "60s")));
        java.util.Set<String> before = new java.util.HashSet<>();
        admin.deployments().instances("webapp", "staging").forEach(i -> before.add(i.id()));
        WorkflowJob p = job(j, "restart", "def plan = restartService(app: 'webapp', env: 'staging', dryRun: true)\n"
                + "echo \"plan=${plan.action} revision=${plan.revision}\"\n"
                + "def r = restartService(app: 'webapp', env: 'staging', reason: 'a slow leak', maxSurge: '1', maxUnavailable: '0')\n"
                + "echo \"revision=${r.revision} digest=${r.packageDigest} instances=${r.instances.size()}\"");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("would restart webapp/staging: revision 1's package and config as revision 2", b);
        j.assertLogContains("plan=RESTART revision=2", b);
        j.assertLogContains("restarting revision 1 as revision 2: 2 instances replaced, rolling", b);
        j.assertLogContains("restart of revision 1: a slow leak", b);
        j.assertLogContains("revision=2 digest=" + v1 + " instances=2", b);
        dev.steward.api.RevisionInfo rev = admin.deployments().revisions("webapp", "staging").stream().filter(x -> x.number() == 2).findFirst().orElseThrow();
        assertEquals(Integer.valueOf(1), rev.restartOf());
        org.assertj.core.api.Assertions.assertThat(rev.createdBy()).startsWith("jenkins restart#1");
        org.assertj.core.api.Assertions.assertThat(admin.deployments().instances("webapp", "staging")).filteredOn(i -> !i.state().terminal())
                .hasSize(2).allSatisfy(i -> org.assertj.core.api.Assertions.assertThat(before).doesNotContain(i.id()));

        WorkflowRun bad = j.buildAndAssertStatus(Result.FAILURE, job(j, "bad", "restartService(app: 'webapp', env: 'staging', maxSurge: 'lots')"));
        j.assertLogContains("maxSurge", bad);
    }

    @Test
    void execServiceRunsACommandInAnInstanceAndAnswersAsShDoes(JenkinsRule j) throws Exception {
        StewardStepsTest.configure(server);
        String v1 = webapp("v1", Map.of());
        WorkflowJob p = job(j, "exec", deploy(v1, "60s") + "\n"
                + "def r = execService(app: 'webapp', env: 'staging', instance: '0', script: 'echo from-the-task; echo to-stderr >&2')\n"
                + "echo \"exit=${r.exitCode} out=${r.stdout.trim()} instance=${r.instance}\"\n"
                + "def out = execService(app: 'webapp', env: 'staging', instance: '1', command: ['sh', '-c', 'echo returned-$((40 + 2))'], returnStdout: true)\n"
                + "echo \"returned=${out.trim()}\"\n"
                + "def code = execService(app: 'webapp', env: 'staging', instance: '0', script: 'exit 3', returnStatus: true)\n"
                + "echo \"code=${code}\"");
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("steward: running sh -c 'echo from-the-task; echo to-stderr >&2' in webapp/staging instance ", b);
        j.assertLogContains("to-stderr", b);
        j.assertLogContains("exit=0 out=from-the-task instance=", b);
        j.assertLogContains("returned=returned-42", b);
        j.assertLogNotContains("\nreturned-42", b); // returnStdout keeps it out of the log
        j.assertLogContains("code=3", b);

        WorkflowRun failed = j.buildAndAssertStatus(Result.FAILURE, job(j, "fails",
                "execService(app: 'webapp', env: 'staging', instance: '0', script: 'exit 5')\necho 'after exec'"));
        j.assertLogContains("sh -c 'exit 5' in webapp/staging instance ", failed);
        j.assertLogContains(" exited with 5", failed);
        j.assertLogNotContains("after exec", failed);
        WorkflowRun which = j.buildAndAssertStatus(Result.FAILURE, job(j, "which", "execService(app: 'webapp', env: 'staging', command: ['true'])"));
        j.assertLogContains("has 2 live instances; choose one with instance 0..1", which);
        WorkflowRun both = j.buildAndAssertStatus(Result.FAILURE, job(j, "both",
                "execService(app: 'webapp', env: 'staging', instance: '0', script: 'true', returnStdout: true, returnStatus: true)"));
        j.assertLogContains("returnStdout and returnStatus: choose one", both);
    }

    private static WorkflowJob job(JenkinsRule j, String name, String script) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, name);
        p.setDefinition(new CpsFlowDefinition(script, true));
        return p;
    }
}
