package dev.steward.cli;

import dev.steward.allocator.Json;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The class archive {@code ./steward} makes for short commands, with the real script, the shipped
 * jar and this JVM: the first short command makes it (once), every later one runs with it and
 * quietly; the JVM really maps the client's classes from it ({@code -Xshare:on} ends a JVM that
 * cannot); and {@code -o json} stays JSON alone on standard output.
 */
class ClassArchiveIT {
    private static final Path JAR = Path.of("target", "steward.jar").toAbsolutePath();

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run run(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        pb.environment().remove("STEWARD_JAVA_OPTS");
        pb.environment().remove("STEWARD_ADDR");
        pb.environment().remove("STEWARD_TOKEN");
        Process p = pb.start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", cmd) + " did not end within 2 minutes");
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void shortCommandsMapTheirClassesFromAnArchiveMadeOnce() throws Exception {
        assumeTrue(Files.isRegularFile(JAR), JAR + " is not built (mvn package builds it before this test)");
        Path base = Path.of(System.getProperty("java.home"), "lib", "server", "classes.jsa");
        assumeTrue(Files.isRegularFile(base), "this JDK has no class archive of its own (" + base + "), which an archive of the application's classes extends");
        // a copy of the script beside the jar alone, as a user may keep them: nothing to build, an archive to make
        Path copy = Files.createDirectories(dir.resolve("steward-copy"));
        Files.copy(LauncherFlags.SCRIPT, copy.resolve("steward"));
        Files.createDirectories(copy.resolve("cli/target"));
        Files.createSymbolicLink(copy.resolve("cli/target/steward.jar"), JAR);
        Path jsa = copy.resolve("cli/target/steward.jsa");
        try (Server s = Server.start(ServerConfig.of(dir.resolve("server")))) {
            List<String> status = List.of("bash", copy.resolve("steward").toString(), "status", "--addr", s.url(), "--token", s.adminToken());

            Run first = run(status);
            assertThat(first.code()).as(first.err()).isZero();
            assertThat(first.err()).contains("steward: making the class archive that starts short commands faster");
            assertThat(first.out()).contains("0 agents ready");
            assertThat(jsa).isRegularFile();

            Run second = run(status);
            assertThat(second.code()).isZero();
            assertThat(second.err()).as("made once").isEmpty();
            assertThat(second.out()).contains("0 agents ready");

            List<String> json = new ArrayList<>(status);
            json.addAll(List.of("-o", "json"));
            Run asJson = run(json);
            assertThat(asJson.code()).as(asJson.err()).isZero();
            assertThat(Json.MAPPER.readValue(asJson.out(), Map.class)).containsKey("status");

            // the same JVM, told to fail where the archive cannot be mapped, and to say where each class came from
            Run mapped = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1", "-Xshare:on",
                    "-XX:SharedArchiveFile=" + jsa, "-Xlog:class+load=info", "-jar", copy.resolve("cli/target/steward.jar").toString(),
                    "status", "--addr", s.url(), "--token", s.adminToken()));
            assertThat(mapped.code()).as(mapped.out() + mapped.err()).isZero();
            assertThat(mapped.out().lines().filter(l -> l.contains(" okhttp3.OkHttpClient ")))
                    .singleElement().asString().contains("source: shared objects file (top)");
            assertThat(mapped.out().lines().filter(l -> l.contains("dev.steward.cli.StatusCommand ")))
                    .singleElement().asString().contains("source: shared objects file (top)");
        }
    }
}
