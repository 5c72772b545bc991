package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code steward history APP --env ENV -p} against a real allocator: what each kept revision changed from the one before it. */
class HistoryCommandTest {
    @TempDir
    Path dir;

    @Test
    void eachRevisionSaysWhatItChangedFromTheOneBeforeIt() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            Path v1 = DemoApps.sleeper(dir, "v1");
            Path v2 = DemoApps.sleeper(dir, "v2");
            String d1 = dev.steward.client.PackageClient.digestOf(v1);
            String d2 = dev.steward.client.PackageClient.digestOf(v2);
            admin.packages().push(v1, d1);
            admin.packages().push(v2, d2);
            assertThat(CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--memory", "96m", "--vars", "MODE=s3cret-blue",
                    "--detach")).code()).isZero();
            CliRun second = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d2, "--memory", "128m", "--detach"));
            assertThat(second.code()).as(second.err()).isZero();
            admin.deployments().abort(second.out().trim()); // no agent: it would never end; a restart needs none under way
            CliRun restart = CliRun.of(CliRun.with(s, "restart", "web", "--env", "prod", "--detach"));
            assertThat(restart.code()).as(restart.err()).isZero();

            CliRun h = CliRun.of(CliRun.with(s, "history", "web", "--env", "prod", "-p"));
            assertThat(h.code()).as(h.err()).isZero();
            String changes = h.out().substring(h.out().indexOf("\nCHANGES\n"));
            assertThat(changes).contains("revision 3: the same package and config as revision 2\n")
                    .contains("revision 2 from revision 1:\n")
                    .containsPattern("\n  packageDigest +" + Pattern.quote(d1) + " -> " + Pattern.quote(d2) + "\n")
                    .containsPattern("\n  memory +96m -> 128m\n")
                    .containsPattern("\n  vars.MODE +\\(set\\) -> \\(none\\)\n")
                    .endsWith("revision 1: the first\n")
                    .doesNotContain("s3cret");
            assertThat(CliRun.of(CliRun.with(s, "history", "web", "--env", "prod")).out()).as("only when asked").doesNotContain("CHANGES");

            CliRun json = CliRun.of(CliRun.with(s, "history", "web", "--env", "prod", "--changes", "-o", "json"));
            assertThat(json.code()).as(json.err()).isZero();
            JsonNode c = dev.steward.allocator.Json.MAPPER.readTree(json.out()).path("changes");
            assertThat(c.path("3")).isEmpty();
            assertThat(c.path("2").findValuesAsText("field")).containsExactly("packageDigest", "memory", "vars.MODE");
            assertThat(c.has("1")).as("the first has nothing before it").isFalse();
        }
    }
}
