package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentRegistration;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code steward deploy --dry-run} against a real allocator: the plan printed, nothing made, nothing uploaded. */
class DeployDryRunTest {
    @TempDir
    Path dir;


    @Test
    void a_dry_run_prints_what_the_deploy_would_do_and_makes_nothing() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100", null));
            Path v1 = DemoApps.sleeper(dir, "v1");
            String d1 = dev.steward.client.PackageClient.digestOf(v1);

            CliRun notThere = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", v1.toString(), "--dry-run"));
            assertThat(notThere.code()).as(notThere.err()).isEqualTo(1);
            assertThat(notThere.err()).contains("does not have").contains(d1).contains("--dry-run uploads nothing");
            assertThat(admin.packages().list()).as("nothing was uploaded").isEmpty();

            admin.packages().push(v1, d1);
            CliRun plan = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", v1.toString(), "--instances", "3",
                    "--cpus", "1", "--memory", "1g", "--vars", "TOKEN=s3cret", "--dry-run"));
            assertThat(plan.code()).as(plan.err()).isZero();
            assertThat(plan.out()).contains("would create web/prod: revision 1, 3 instances, rolling; all 3 instances find room now")
                    .containsPattern("packageDigest +\\(none\\) -> " + java.util.regex.Pattern.quote(d1))
                    .containsPattern("memory +\\(none\\) -> 1g").containsPattern("vars.TOKEN +\\(none\\) -> \\(set\\)")
                    .containsPattern("instances +0 -> 3").doesNotContain("s3cret");
            assertThat(admin.deployments().services()).as("nothing was made").isEmpty();

            // the restart policy, a field the API always had, as a flag (and the deploy step's restart: argument)
            CliRun restart = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--restart", "attempts=5, delay=2s, always",
                    "--dry-run", "-o", "json"));
            assertThat(restart.code()).as(restart.err()).isZero();
            assertThat(restart.out()).contains("\"field\" : \"restart\"").contains("{attempts=5, delay=2s, always=true}");
            CliRun badRestart = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--restart", "tries=3", "--dry-run"));
            assertThat(badRestart.code()).as("a usage error, before anything is asked of the allocator").isEqualTo(2);
            assertThat(badRestart.err()).contains("--restart: 'tries' is not attempts, interval, delay, mode or always");
            CliRun badAttempts = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--restart", "attempts=500", "--dry-run"));
            assertThat(badAttempts.code()).isEqualTo(2);
            assertThat(badAttempts.err()).contains("--restart: ").contains("attempts").contains("100");

            CliRun tooBig = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--instances", "3",
                    "--cpus", "3", "--memory", "1g", "--dry-run", "-o", "json"));
            assertThat(tooBig.code()).as(tooBig.err()).isZero();
            JsonNode p = dev.steward.allocator.Json.MAPPER.readTree(tooBig.out());
            assertThat(p.path("action").asText()).isEqualTo("CREATE");
            assertThat(p.path("placement").path("fit").asInt()).as("one 3-cpu instance on a 4-cpu agent").isEqualTo(1);

            CliRun text = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--instances", "3",
                    "--cpus", "3", "--memory", "1g", "--dry-run"));
            assertThat(text.out()).contains("only 1 of 3 instances find room now").contains("why agents turned down instance 2:").contains("1 agent: ");

            CliRun promote = CliRun.of(CliRun.with(s, "promote", "web", "--from", "prod", "--to", "live", "--dry-run"));
            assertThat(promote.code()).as("refused as the promotion would be: nothing succeeded in prod").isEqualTo(1);
            assertThat(promote.err()).contains("no revision whose deployment succeeded");

            admin.deployments().deploy("web", "stage", dev.steward.api.DeployRequest.of(d1, 1, null));
            CliRun back = CliRun.of(CliRun.with(s, "rollback", "web", "--env", "stage", "--revision", "1", "--dry-run"));
            assertThat(back.code()).as(back.err()).isZero();
            assertThat(back.out()).contains("would roll web/stage back to revision 1 as revision 2 (1 instance, rolling)");
            CliRun badTimeout = CliRun.of(CliRun.with(s, "rollback", "web", "--env", "stage", "--to", "1", "--timeout", "soon"));
            assertThat(badTimeout.code()).as(badTimeout.err()).isEqualTo(2);
            assertThat(badTimeout.err()).contains("--timeout");
            // a rollback followed for 30 minutes, or not at all: --detach and --timeout as deploy and promote have them
            CliRun detached = CliRun.of(CliRun.with(s, "rollback", "web", "--env", "stage", "--to", "1", "--detach"));
            assertThat(detached.code()).as(detached.err()).isZero();
            String id = detached.out().strip();
            assertThat(id).matches("\\p{XDigit}{16}");
            assertThat(detached.err()).contains("steward rollout watch " + id);
            assertThat(admin.deployments().deployment(id).revision()).isEqualTo(2);
            CliRun backNone = CliRun.of(CliRun.with(s, "rollback", "web", "--env", "stage", "--dry-run"));
            assertThat(backNone.code()).isEqualTo(1);
            assertThat(backNone.err()).contains("no earlier stable revision");

            CliRun bad = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--memory", "lots", "--dry-run"));
            assertThat(bad.code()).as("a bad flag, as the deploy would say").isEqualTo(2);
            assertThat(bad.err()).contains("--memory");
        }
    }
}
