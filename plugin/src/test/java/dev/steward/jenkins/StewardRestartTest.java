package dev.steward.jenkins;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentRegistration;
import dev.steward.client.StewardClient;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.test.steps.SemaphoreStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/** An allocate block survives a controller restart: it re-attaches by its saved request id and still releases. */
class StewardRestartTest {
    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    @Test
    void allocateReattachesAfterARestart() throws Throwable {
        Path dir = Files.createTempDirectory("steward-restart");
        try (Server server = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(10)))) {
            // a registered agent is enough to place on; no task runs in an allocate block
            StewardClient.builder(server.url()).token(server.joinToken()).build()
                    .register(new AgentRegistration("a1", "4", "4g", null, null, null, null, null, null));
            sessions.then(j -> {
                StewardStepsTest.configure(server);
                WorkflowJob p = j.createProject(WorkflowJob.class, "p");
                p.setDefinition(new CpsFlowDefinition("allocate(cpus: '0.1', wait: '10s') { semaphore 'body' }", true));
                WorkflowRun b = p.scheduleBuild2(0).waitForStart();
                SemaphoreStep.waitForStart("body/1", b);
            });
            sessions.then(j -> {
                WorkflowRun b = j.jenkins.getItemByFullName("p", WorkflowJob.class).getBuildByNumber(1);
                SemaphoreStep.success("body/1", null);
                j.assertBuildStatusSuccess(j.waitForCompletion(b));
                j.assertLogContains("re-attached to request", b);
                j.assertLogContains("steward: released request", b);
            });
        }
    }
}
