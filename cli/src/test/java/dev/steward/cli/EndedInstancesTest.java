package dev.steward.cli;

import com.sun.net.httpserver.HttpExchange;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentJoined;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A service scaled to nothing still has the instances that ended: {@code steward services APP
 * --env ENV --ended} lists them (when, how and why each ended), the plain listing says that it
 * can, and {@code steward logs APP --env ENV} names the latest to end and how to read its logs,
 * which {@code --instance ID} then reads. Before, the logs said only that there was no live
 * instance, and no command listed an ended one. The agent is a stand-in log server on loopback;
 * the test reports its task's states as an agent would.
 */
class EndedInstancesTest {
    @TempDir
    Path dir;

    /** As an agent's log server for a task that has ended: "hello\n", then the end. */
    private static void logs(HttpExchange x) throws IOException {
        long offset = Long.parseLong(x.getRequestURI().getQuery().replaceAll(".*offset=(\\d+).*", "$1"));
        byte[] body = offset == 0 ? "hello\n".getBytes(StandardCharsets.UTF_8) : new byte[0];
        x.getResponseHeaders().add("X-Steward-Log-Offset", Long.toString(offset + body.length));
        x.getResponseHeaders().add("X-Steward-Log-End", "true");
        x.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        x.getResponseBody().write(body);
        x.close();
    }

    @Test
    void a_service_scaled_to_nothing_lists_its_ended_instances_and_its_logs_name_the_latest() throws Exception {
        try (StandInAgent agent = StandInAgent.start(EndedInstancesTest::logs);
             Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            AgentJoined joined = agent.join(s);
            StewardClient agentClient = StewardClient.builder(s.url()).token(joined.token()).build();
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            Path v1 = DemoApps.sleeper(dir, "v1");
            String digest = dev.steward.client.PackageClient.digestOf(v1);
            admin.packages().push(v1, digest);
            admin.deployments().deploy("web", "e", dev.steward.api.DeployRequest.of(digest, 1, null));
            InstanceInfo one = await().atMost(Duration.ofSeconds(30))
                    .until(() -> admin.deployments().instances("web", "e").stream().filter(i -> i.taskId() != null).findFirst().orElse(null), i -> i != null);
            agentClient.reportTask(joined.agent().id(), one.taskId(), new TaskStatus(1, TaskState.RUNNING, 4242L, null, null, null, 0, null));

            CliRun scaled = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "e", "--package-digest", digest, "--instances", "0", "--detach"));
            assertThat(scaled.code()).as(scaled.err()).isZero();
            agentClient.reportTask(joined.agent().id(), one.taskId(), new TaskStatus(2, TaskState.KILLED, null, null, null, null, 0, null));
            InstanceInfo ended = await().atMost(Duration.ofSeconds(30))
                    .until(() -> admin.deployments().instances("web", "e").get(0), i -> i.state() == InstanceState.STOPPED);

            CliRun plain = CliRun.of(CliRun.with(s, "services", "web", "--env", "e"));
            assertThat(plain.out()).contains("\nno instances run (0 instances wanted); --ended lists the 1 instance that ended\n").doesNotContain("ENDED");
            CliRun listed = CliRun.of(CliRun.with(s, "services", "web", "--env", "e", "--ended"));
            assertThat(listed.code()).as(listed.err()).isZero();
            assertThat(listed.out()).contains("\nno instances run (0 instances wanted)\n")
                    .contains("\nENDED (the latest first)\nINSTANCE ")
                    .containsPattern(ended.id() + " +1 +STOPPED +[0-9]+s ago +m1 +" + dev.steward.api.Digests.shortForm(digest) + " +" + ended.reason() + "\n")
                    .contains("(logs of one that ran: steward logs INSTANCE)");

            CliRun logs = CliRun.of(CliRun.with(s, "logs", "web", "--env", "e"));
            assertThat(logs.code()).isEqualTo(2);
            assertThat(logs.err()).contains("service web/e has no live instance; the latest to end, " + ended.id() + " of revision 1, was stopped ("
                    + ended.reason() + "): its logs are 'steward logs " + ended.id() + "'");
            CliRun all = CliRun.of(CliRun.with(s, "logs", "web", "--env", "e", "--all"));
            assertThat(all.err()).contains("the latest to end, " + ended.id());
            CliRun read = CliRun.of(CliRun.with(s, "logs", "web", "--env", "e", "--instance", ended.id()));
            assertThat(read.code()).as(read.err()).isZero();
            assertThat(read.out()).isEqualTo("hello\n");

            // a restart takes live instances only, and says why not this one
            CliRun restart = CliRun.of(CliRun.with(s, "restart", "web", "--env", "e", "--instance", ended.id()));
            assertThat(restart.code()).isEqualTo(2);
            assertThat(restart.err()).contains("instance " + ended.id() + " of web/e has ended: it was stopped (" + ended.reason() + ")");
            assertThat(CliRun.of(CliRun.with(s, "services", "--ended")).err()).contains("--ended goes with an app and --env");
        }
    }
}
