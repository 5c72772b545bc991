package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.DeploymentState;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code steward rollout ACTION APP --env ENV} against a real allocator with no agent (so a
 * deployment stays under way until it is acted on): the action reaches the service's deployment
 * under way, as it does by its id; status shows the last one once none is under way; an action
 * that would change a deployment, with none under way, says what the last one did; and a missing
 * action or deployment is said in words, not picocli's parameter labels.
 */
class RolloutCommandTest {
    @TempDir
    Path dir;

    @Test
    void an_action_on_an_app_and_env_reaches_its_deployment_under_way_and_status_shows_the_last_once_it_ended() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            Path v1 = DemoApps.sleeper(dir, "v1");
            String d1 = dev.steward.client.PackageClient.digestOf(v1);
            admin.packages().push(v1, d1);

            CliRun none = CliRun.of(CliRun.with(s, "rollout", "status", "web", "--env", "staging"));
            assertThat(none.code()).isEqualTo(1);
            assertThat(none.err()).contains("no service 'web/staging'");

            CliRun started = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "staging", "--package-digest", d1, "--instances", "2", "--detach"));
            assertThat(started.code()).as(started.err()).isZero();
            String id = started.out().trim();

            CliRun status = CliRun.of(CliRun.with(s, "rollout", "status", "web", "--env", "staging"));
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).isEqualTo(CliRun.of(CliRun.with(s, "rollout", "status", id)).out()).contains(id);

            CliRun paused = CliRun.of(CliRun.with(s, "rollout", "pause", "web", "--env", "staging"));
            assertThat(paused.code()).as(paused.err()).isZero();
            assertThat(paused.out()).startsWith("pause: deployment " + id + " is PAUSED");
            assertThat(admin.deployments().deployment(id).state()).isEqualTo(DeploymentState.PAUSED);
            assertThat(CliRun.of(CliRun.with(s, "rollout", "resume", "web", "--env", "staging")).code()).isZero();
            assertThat(admin.deployments().deployment(id).state()).isEqualTo(DeploymentState.RUNNING);
            assertThat(CliRun.of(CliRun.with(s, "rollout", "abort", "web", "--env", "staging")).code()).isZero();
            assertThat(admin.deployments().deployment(id).state()).isEqualTo(DeploymentState.ABORTED);

            CliRun last = CliRun.of(CliRun.with(s, "rollout", "status", "web", "--env", "staging", "-o", "json"));
            assertThat(last.code()).as(last.err()).isZero();
            assertThat(last.out()).contains("\"id\" : \"" + id + "\"").contains("\"state\" : \"ABORTED\"");

            CliRun again = CliRun.of(CliRun.with(s, "rollout", "abort", "web", "--env", "staging"));
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).startsWith("steward rollout: no deployment of web/staging is under way; its last, " + id + " (revision 1), was aborted: ");
        }
    }

    @Test
    void a_missing_action_or_deployment_is_said_with_both_ways_to_name_one() {
        CliRun nothing = CliRun.of("rollout");
        assertThat(nothing.code()).isEqualTo(2);
        assertThat(nothing.err()).startsWith("steward rollout: name an action and a deployment: 'steward rollout status DEPLOYMENT_ID', "
                + "or by its service: 'steward rollout status APP --env ENV' (actions: status, watch, pause, resume, promote, abort)\n");
        CliRun noId = CliRun.of("rollout", "pause");
        assertThat(noId.code()).isEqualTo(2);
        assertThat(noId.err()).startsWith("steward rollout: name a deployment: 'steward rollout pause DEPLOYMENT_ID', or by its service: "
                + "'steward rollout pause APP --env ENV'");
        CliRun wrong = CliRun.of("rollout", "stop", "abc");
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).startsWith("steward rollout: 'stop' is not status, watch, pause, resume, promote or abort");
    }
}
