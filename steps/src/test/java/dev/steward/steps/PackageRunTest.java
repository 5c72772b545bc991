package dev.steward.steps;

import dev.steward.api.PackageInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The packageApp step: package the workspace, provenance from the build, upload once. */
class PackageRunTest {
    private TestCluster c;

    @BeforeEach
    void start() throws Exception {
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
    }

    @Test
    void packagesTheWorkspaceWithTheBuildsProvenanceAndUploadsOnce() throws Exception {
        Path ws = Files.createDirectories(c.root.resolve("workspace/build/libs"));
        Files.writeString(ws.resolve("web.jar"), "jar");
        Path workspace = c.root.resolve("workspace");
        PackageRun.Args args = new PackageRun.Args("web", "1.0", "build/libs/*.jar", null, true, "exec java -jar build/libs/web.jar", null, List.of("http"),
                "/healthz", false, null, null, "1", "512m", null, null);
        Map<String, String> env = Map.of("BUILD_URL", "https://ci/job/web/42/", "JOB_NAME", "web", "BUILD_NUMBER", "42", "GIT_COMMIT", "abcdef1234567");
        Instant started = Instant.parse("2026-11-27T10:00:00Z");
        PackageRun.Result first = PackageRun.run(workspace, args, env, started, "jenkins", c.admin, c.listener);
        assertThat(first.uploaded()).isTrue();
        assertThat(first.files()).isEqualTo(1);
        PackageInfo stored = c.admin.packages().info(first.digest());
        assertThat(stored.manifest().provenance().buildUrl()).isEqualTo("https://ci/job/web/42/");
        assertThat(stored.manifest().provenance().gitCommit()).isEqualTo("abcdef1234567");
        assertThat(stored.manifest().provenance().builtAt()).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(stored.manifest().healthCheck().port()).isEqualTo("http");
        PackageRun.Result again = PackageRun.run(workspace, args, env, started, "jenkins", c.admin, c.listener);
        assertThat(again.digest()).as("the same build gives the same digest").isEqualTo(first.digest());
        assertThat(again.uploaded()).isFalse();
        assertThat(c.lines).anyMatch(l -> l.contains("upload skipped"));
    }
}
