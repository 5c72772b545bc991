package dev.steward.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code steward package DIR}: the directory as its one positional argument, the same as --dir. */
class PackageCommandTest {
    @TempDir
    Path dir;

    @Test
    void the_directory_may_be_given_as_its_argument_and_not_as_two_different_ones() throws Exception {
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.writeString(app.resolve("run.sh"), "echo hi");
        Path out = dir.resolve("a.tar.zst");
        CliRun positional = CliRun.of("package", app.toString(), "--name", "web", "--out", out.toString(), "-o", "json");
        assertThat(positional.code()).as(positional.err()).isZero();
        CliRun flag = CliRun.of("package", "--dir", app.toString(), "--name", "web", "--out", dir.resolve("b.tar.zst").toString(), "-o", "json");
        assertThat(flag.code()).as(flag.err()).isZero();
        assertThat(digest(positional.out())).as("the same tree, the same package").startsWith("sha256:").isEqualTo(digest(flag.out()));
        CliRun same = CliRun.of("package", app.toString(), "--dir", app.toString(), "--name", "web", "--out", out.toString(), "-o", "json");
        assertThat(same.code()).as(same.err()).isZero();

        CliRun two = CliRun.of("package", app.toString(), "--dir", dir.toString(), "--name", "web", "--out", out.toString());
        assertThat(two.code()).isEqualTo(2);
        assertThat(two.err()).contains("name two directories; give one");
    }

    private static String digest(String json) throws Exception {
        return dev.steward.allocator.Json.MAPPER.readTree(json).path("digest").asText();
    }
}
