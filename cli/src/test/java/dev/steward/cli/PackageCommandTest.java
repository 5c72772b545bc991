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

    @Test
    void a_default_of_no_cpus_or_no_memory_is_refused_naming_the_flag() throws Exception {
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.writeString(app.resolve("run.sh"), "echo hi");
        CliRun cpus = CliRun.of("package", app.toString(), "--name", "web", "--cpus", "0", "--out", dir.resolve("c.tar.zst").toString());
        assertThat(cpus.code()).isEqualTo(2);
        assertThat(cpus.err()).contains("--cpus").contains("below the least an allocation may have, 10m (0.01 cores)");
        CliRun memory = CliRun.of("package", app.toString(), "--name", "web", "--memory", "0", "--out", dir.resolve("m.tar.zst").toString());
        assertThat(memory.code()).isEqualTo(2);
        assertThat(memory.err()).contains("--memory").contains("below the least an allocation may have, 10m");
        assertThat(dir.resolve("c.tar.zst")).as("nothing was written").doesNotExist();
    }

    @Test
    void a_health_check_with_no_port_to_check_is_refused_naming_the_flag_that_gives_one() throws Exception {
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.writeString(app.resolve("run.sh"), "echo hi");
        CliRun none = CliRun.of("package", app.toString(), "--name", "web", "--health-http", "/healthz", "--out", dir.resolve("h.tar.zst").toString());
        assertThat(none.code()).isEqualTo(2);
        // before: "--health-port: 'null' is not one of the allocation's ports []", though --health-port was not given
        assertThat(none.err()).contains("steward package: --ports: are none, and the HTTP health check needs one to check").doesNotContain("null");
        CliRun other = CliRun.of("package", app.toString(), "--name", "web", "--ports", "http", "--health-tcp", "--health-port", "admin", "--out",
                dir.resolve("t.tar.zst").toString());
        assertThat(other.code()).isEqualTo(2);
        assertThat(other.err()).contains("--health-port: 'admin' is not one of the allocation's ports [http]");
        assertThat(dir.resolve("h.tar.zst")).as("nothing was written").doesNotExist();
    }

    private static String digest(String json) throws Exception {
        return dev.steward.allocator.Json.MAPPER.readTree(json).path("digest").asText();
    }
}
