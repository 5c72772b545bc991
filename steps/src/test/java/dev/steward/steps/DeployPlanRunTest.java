package dev.steward.steps;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentRegistration;
import dev.steward.api.DeployPlan;
import dev.steward.api.DeployRequest;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The deploy step's {@code dryRun: true}: the plan in the build log and as the step's result, from
 * a real allocator with one agent registered; nothing is made.
 */
class DeployPlanRunTest {
    @TempDir
    Path dir;

    private static DeployRequest req(String digest, int instances, String cpus, Map<String, String> vars) {
        return new DeployRequest(digest, null, null, instances, cpus, "1g", null, null, vars, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    @Test
    void the_plan_is_logged_and_returned_and_nothing_is_made() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100", null));
            Path tree = Files.createDirectories(dir.resolve("tree"));
            Files.writeString(tree.resolve("run.sh"), "sleep 3600");
            Path file = dir.resolve("web.tar.zst");
            String digest = dev.steward.pkg.PackageBuilder.from(tree).manifest(new dev.steward.api.PackageManifest(null, "web", "v1", "sh run.sh", null,
                    List.of("http"), null, null, null)).writeTo(file).digest();
            admin.packages().push(file, digest);
            Recorder log = new Recorder();

            DeployPlan p = DeployPlanRun.plan(admin, "web", "prod", req(digest, 2, "1", Map.of("API_KEY", "k-123")), log);
            Map<String, Object> r = DeployPlanRun.result(p);
            assertThat(r).containsEntry("action", "CREATE").containsEntry("revision", 1).containsEntry("instancesFrom", 0).containsEntry("instancesTo", 2)
                    .containsEntry("fits", true).containsEntry("service", "web/prod");
            assertThat(r.get("fromRevision")).isNull();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> changes = (List<Map<String, Object>>) r.get("changes");
            assertThat(changes).extracting(m -> m.get("field")).containsExactly("packageDigest", "cpus", "memory", "ports", "vars.API_KEY");
            assertThat(log.lines.get(0)).isEqualTo("steward: would create web/prod: revision 1, 2 instances, rolling; all 2 instances find room now");
            assertThat(log.lines).anyMatch(l -> l.matches("steward:   cpus +\\(none\\) -> 1")).noneMatch(l -> l.contains("k-123"));
            assertThat(admin.deployments().services()).as("nothing was made").isEmpty();

            Recorder tight = new Recorder();
            Map<String, Object> none = DeployPlanRun.result(DeployPlanRun.plan(admin, "web", "prod", req(digest, 3, "3", null), tight));
            assertThat(none).containsEntry("fits", false);
            assertThat(tight.lines).anyMatch(l -> l.contains("only 1 of 3 instances find room now"))
                    .anyMatch(l -> l.equals("steward: why agents turned down instance 2:"));

            assertThatThrownBy(() -> DeployPlanRun.plan(admin, "web", "prod", req(digest, 1, "many", null), new Recorder()))
                    .isInstanceOf(StewardException.class).hasMessageContaining("cpus");
        }
    }
}
