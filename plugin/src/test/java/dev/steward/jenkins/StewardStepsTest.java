package dev.steward.jenkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestInfo;
import dev.steward.client.StewardClient;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import hudson.model.Label;
import hudson.util.Secret;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import hudson.model.Result;
import hudson.slaves.Cloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.test.steps.SemaphoreStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** Each step and the Cloud in a real Jenkins, against a real allocator and agent in this JVM. */
@WithJenkins
class StewardStepsTest {
    private Path dir;
    private Server server;
    private Agent agent;

    @BeforeEach
    void allocator() throws Exception {
        dir = Files.createTempDirectory("steward-plugin");
        server = Server.start(ServerConfig.of(dir.resolve("server")));
        agent = new Agent(AgentConfig.load(null, Map.of("server", server.url(), "join-token", server.joinToken(), "data", dir.resolve("agent").toString(),
                "name", "a1", "user", "")), Clock.systemUTC()).start();
    }

    @AfterEach
    void stop() {
        server.close();
        agent.stopTasks(java.time.Duration.ofSeconds(10));
        agent.close();
    }

    private void configure() throws Exception {
        configure(server);
    }

    /** Points the plugin at {@code s} with its admin token stored as a Secret text credential. */
    static void configure(Server s) throws Exception {
        SystemCredentialsProvider.getInstance().getCredentials().add(new StringCredentialsImpl(CredentialsScope.GLOBAL, "steward-token",
                "Steward role token", Secret.fromString(s.adminToken())));
        SystemCredentialsProvider.getInstance().save();
        StewardConfiguration c = StewardConfiguration.get();
        c.setUrl(s.url());
        c.setEmbedded(false);
        c.setCredentialsId("steward-token");
        c.setRole("default");
    }

    @Test
    void allocateGivesTheBodyItsEnvironmentAndReleases(JenkinsRule j) throws Exception {
        configure();
        WorkflowJob p = j.createProject(WorkflowJob.class, "alloc");
        p.setDefinition(new CpsFlowDefinition("allocate(cpus: '0.1', memory: '64m', ports: ['db']) { echo \"alloc=${env.STEWARD_ALLOC_ID} db=${env.STEWARD_PORT_DB}\" }", true));
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("steward: placed on a1", b);
        j.assertLogContains("steward: released request", b);
        StewardClient c = StewardClient.builder(server.url()).token(server.adminToken()).build();
        assertTrue(c.allocations().stream().allMatch(a -> a.state() == AllocationState.RELEASED));
    }

    @Test
    void anAllocationThatCannotBePlacedFailsTheStepSayingWhy(JenkinsRule j) throws Exception {
        configure();
        WorkflowJob p = j.createProject(WorkflowJob.class, "big");
        p.setDefinition(new CpsFlowDefinition("allocate(cpus: '500', wait: '2s') { echo 'never' }", true));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        j.assertLogContains("insufficient cpus", b);
        j.assertLogNotContains("never", b);
    }

    @Test
    void anAllocationPreemptedUnderTheBodyFailsItSayingWhyAndRetryAllocatesAgain(JenkinsRule j) throws Exception {
        configure();
        StewardClient c = StewardClient.builder(server.url()).token(server.adminToken()).build();
        String all = c.agents().get(0).total().cpuMillis() + "m"; // the whole agent, so a higher priority must take it back
        WorkflowJob p = j.createProject(WorkflowJob.class, "preempted");
        p.setDefinition(new CpsFlowDefinition("retry(count: 2, conditions: [agent()]) {\n"
                + "  allocate(cpus: '" + all + "', memory: '64m', priority: 10, preemptible: true) { semaphore 'body' }\n}", true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        SemaphoreStep.waitForStart("body/1", b);
        RequestInfo urgent = c.submit(new AllocateRequest(null, "urgent", 1, all, "64m", null, null, null, null, null, null, null, 900, null, null, null));
        j.waitForMessage("was preempted", b);
        c.cancel(urgent.id()); // room again: the retry allocates anew
        SemaphoreStep.waitForStart("body/2", b);
        SemaphoreStep.success("body/2", null);
        j.assertBuildStatusSuccess(j.waitForCompletion(b));
        j.assertLogContains("the body is stopped: what it ran on is gone", b);
        j.assertLogNotContains("will retry", b);
    }

    @Test
    void packageAppReturnsTheDigest(JenkinsRule j) throws Exception {
        configure();
        WorkflowJob p = j.createProject(WorkflowJob.class, "pkg");
        p.setDefinition(new CpsFlowDefinition("node { writeFile file: 'build/app.sh', text: 'echo hi'\n"
                + "def d = packageApp(name: 'web', include: 'build/**', command: 'sh build/app.sh')\n echo \"digest=${d}\" }", true));
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("digest=sha256:", b);
    }

    @Test
    void theCloudPlansAgentsForItsLabelsWithinTheCap(JenkinsRule j) throws Exception {
        configure();
        StewardTemplate t = new StewardTemplate("steward-linux");
        t.setInstanceCap(2);
        StewardCloud cloud = new StewardCloud("steward", List.of(t));
        j.jenkins.clouds.add(cloud);
        assertTrue(cloud.canProvision(new Cloud.CloudState(Label.get("steward-linux"), 0)));
        assertEquals(false, cloud.canProvision(new Cloud.CloudState(Label.get("windows"), 0)));
        assertEquals(2, cloud.provision(new Cloud.CloudState(Label.get("steward-linux"), 0), 5).size());
    }
}
