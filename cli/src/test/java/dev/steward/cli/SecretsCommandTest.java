package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentJoined;
import dev.steward.api.AgentRegistration;
import dev.steward.api.TaskInfo;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code steward secrets set|list|delete} and {@code steward deploy --secrets} against a real
 * allocator: a value comes from standard input or a file (never an argument), no output shows
 * it, and the service's instance's task carries it exactly, as its agent reads it.
 */
class SecretsCommandTest {
    @TempDir
    Path dir;

    private static CliRun withInput(String input, String... args) {
        InputStream old = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return CliRun.of(args);
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void secrets_are_set_from_stdin_or_a_file_listed_without_values_and_reach_the_instance() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            AgentJoined agent = StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100", null));
            Path tree = Files.createDirectories(dir.resolve("tree"));
            Files.writeString(tree.resolve("run.sh"), "sleep 3600");
            Path pkg = dir.resolve("web.tar.zst");
            dev.steward.pkg.PackageBuilder.from(tree).manifest(new dev.steward.api.PackageManifest(null, "web", "1", "sh run.sh", null,
                    List.of(), null, null, null)).writeTo(pkg);
            String digest = dev.steward.client.PackageClient.digestOf(pkg);
            admin.packages().push(pkg, digest);

            CliRun stdin = withInput("hunter2\n", CliRun.with(s, "secrets", "set", "web", "--env", "prod", "db-password"));
            assertThat(stdin.code()).as(stdin.err()).isZero();
            assertThat(stdin.out()).contains("set secret db-password of web/prod (role default): version 1").doesNotContain("hunter2");
            Path certFile = dir.resolve("tls.pem");
            Files.writeString(certFile, "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
            CliRun file = CliRun.of(CliRun.with(s, "secrets", "set", "web", "--env", "prod", "tls.key", "--from-file", certFile.toString()));
            assertThat(file.code()).as(file.err()).isZero();

            CliRun list = CliRun.of(CliRun.with(s, "secrets", "list", "web", "--env", "prod"));
            assertThat(list.code()).as(list.err()).isZero();
            assertThat(list.out()).containsPattern("db-password +default +1 ").containsPattern("tls.key +default +1 ")
                    .doesNotContain("hunter2").doesNotContain("abc");
            JsonNode json = dev.steward.allocator.Json.MAPPER.readTree(CliRun.of(CliRun.with(s, "secrets", "list", "web", "--env", "prod", "-o", "json")).out());
            assertThat(json).hasSize(2);
            assertThat(json.toString()).doesNotContain("hunter2");

            CliRun plan = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", digest, "--cpus", "0.1", "--memory", "16m",
                    "--secrets", "db-password,tls.key", "--dry-run"));
            assertThat(plan.code()).as(plan.err()).isZero();
            assertThat(plan.out()).containsPattern("secrets.db-password +\\(none\\) -> version 1").containsPattern("secrets.tls.key +\\(none\\) -> version 1");
            CliRun deploy = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", digest, "--cpus", "0.1", "--memory", "16m",
                    "--secrets", "db-password", "--secrets", "tls.key", "--detach"));
            assertThat(deploy.code()).as(deploy.err()).isZero();

            StewardClient asAgent = StewardClient.builder(s.url()).token(agent.token()).build();
            await().atMost(Duration.ofSeconds(30)).until(() -> !asAgent.agentTasks(agent.agent().id(), 0, Duration.ZERO).value().isEmpty());
            TaskInfo t = asAgent.agentTasks(agent.agent().id(), 0, Duration.ZERO).value().get(0);
            assertThat(t.spec().secrets()).as("stdin loses its one trailing newline; a file is taken exactly")
                    .containsEntry("db-password", "hunter2").containsEntry("tls.key", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");

            CliRun inUse = CliRun.of(CliRun.with(s, "secrets", "delete", "web", "--env", "prod", "db-password"));
            assertThat(inUse.code()).isEqualTo(1);
            assertThat(inUse.err()).contains("used by revision 1").contains("deploy without it first");
            CliRun missing = CliRun.of(CliRun.with(s, "secrets", "delete", "web", "--env", "prod", "nope"));
            assertThat(missing.code()).isEqualTo(1);
            CliRun missingOk = CliRun.of(CliRun.with(s, "secrets", "delete", "web", "--env", "prod", "nope", "--missing-ok"));
            assertThat(missingOk.code()).as(missingOk.err()).isZero();
            assertThat(missingOk.out()).contains("nothing to delete: secret nope is not set for web/prod");

            CliRun none = CliRun.of(CliRun.with(s, "secrets", "list", "web", "--env", "nowhere"));
            assertThat(none.code()).as(none.err()).isZero();
            assertThat(none.err()).contains("no secret is set for web/nowhere");
            CliRun noneJson = CliRun.of(CliRun.with(s, "secrets", "list", "web", "--env", "nowhere", "-o", "json"));
            assertThat(noneJson.out().trim()).isEqualTo("[ ]");

            CliRun both = CliRun.of(CliRun.with(s, "secrets", "set", "web", "--env", "prod", "x", "--from-file", certFile.toString(), "--from-env", "HOME"));
            assertThat(both.code()).isEqualTo(2);
            assertThat(both.err()).contains("--from-file or --from-env, not both");
            CliRun noEnv = CliRun.of(CliRun.with(s, "secrets", "set", "web", "--env", "prod", "x", "--from-env", "STEWARD_TEST_NO_SUCH_VARIABLE"));
            assertThat(noEnv.code()).isEqualTo(2);
            assertThat(noEnv.err()).contains("no such environment variable");

            CliRun rotated = CliRun.of(CliRun.with(s, "secrets", "rotate-key"));
            assertThat(rotated.code()).as(rotated.err()).isZero();
            assertThat(rotated.out()).contains("2 service secrets sealed again").contains("restoring it needs a copy of secrets.key from before this rotation");
        }
    }
}
