package dev.steward.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./steward} script, run by a real bash in a copy of the source tree's shape: it builds
 * the jar on first use and again when a source of the modules it is built from is newer than the
 * jar (after a git pull), and not otherwise; a change to a module the jar is not built from, or a
 * copy of the script with no source tree, builds nothing; without Maven it says the jar is older
 * than its sources and runs it; a failed build is shown and nothing runs. Maven and java are
 * stand-ins on the PATH that say they ran (the real build is what every other test of this module
 * runs against).
 */
class StewardScriptTest {

    @TempDir
    Path dir;
    private Path tree;
    private Path bin;
    private Path jar;

    private record Run(int code, String out, String err) {
    }

    @BeforeEach
    void tree() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is not installed");
        tree = Files.createDirectories(dir.resolve("repo"));
        Files.copy(LauncherFlags.SCRIPT, tree.resolve("steward"));
        Files.writeString(tree.resolve("pom.xml"), "<project/>");
        for (String f : List.of("api/src/main/java/A.java", "cli/src/main/java/Main.java", "cli/src/test/java/MainTest.java",
                "plugin/src/main/java/Step.java", "docs/agent.md")) {
            Files.createDirectories(tree.resolve(f).getParent());
            Files.writeString(tree.resolve(f), "x");
            old(tree.resolve(f));
        }
        old(tree.resolve("pom.xml"));
        jar = tree.resolve("cli/target/steward.jar");
        bin = Files.createDirectories(dir.resolve("bin"));
        // mvn: says it ran and writes the jar, dated a second after the newest file of the tree (a file's time has the
        // clock's coarse granularity: a jar and an edit made within one tick would have the same); java: says which jar
        // it ran with which arguments
        script("mvn", "echo \"mvn $*\" >> \"" + dir.resolve("mvn.calls") + "\"\n"
                + "t=$(find . -path ./cli/target -prune -o -type f -printf '%T@\\n' | sort -n | tail -1)\n"
                + "mkdir -p cli/target && echo built > cli/target/steward.jar && touch -d @$(( ${t%.*} + 1 )) cli/target/steward.jar\n");
        script("java", "echo \"java $*\"\n");
        // and nothing else on the PATH but the tools the script and the stand-ins use (the machine's own mvn is not)
        for (String tool : List.of("bash", "cat", "dirname", "find", "flock", "mkdir", "mktemp", "mv", "readlink", "rm", "sort", "stat", "tail",
                "touch")) {
            for (String d : List.of("/usr/bin", "/bin")) {
                if (Files.isExecutable(Path.of(d, tool))) {
                    Files.createSymbolicLink(bin.resolve(tool), Path.of(d, tool));
                    break;
                }
            }
        }
    }

    private void script(String name, String body) throws Exception {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** An hour ago: older than any jar built now. */
    private static void old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(3600)));
    }

    /** Writes {@code f} a second after the jar was built: newer than it, whatever the clock's granularity. */
    private void edit(String f, String content) throws Exception {
        Path p = tree.resolve(f);
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, FileTime.from(Files.getLastModifiedTime(jar).toInstant().plusSeconds(1)));
    }

    private Run steward(Path where, String path, String... args) throws Exception {
        return withOpts(where, path, null, args);
    }

    private Run withOpts(Path where, String path, String javaOpts, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("/bin/bash", where.resolve("steward").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        pb.environment().put("PATH", path);
        pb.environment().remove("STEWARD_JAVA_OPTS");
        if (javaOpts != null) {
            pb.environment().put("STEWARD_JAVA_OPTS", javaOpts);
        }
        Process p = pb.start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the script ends").isTrue();
        return new Run(p.exitValue(), Files.readString(dir.resolve("out"), StandardCharsets.UTF_8), Files.readString(dir.resolve("err")));
    }

    private Run steward(String... args) throws Exception {
        return steward(tree, bin.toString(), args);
    }

    private List<String> builds() throws Exception {
        Path calls = dir.resolve("mvn.calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void theJarIsBuiltOnFirstUseAndAgainOnlyWhenASourceItIsBuiltFromChanged() throws Exception {
        Run first = steward("status");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).contains("steward: building " + jar + " (first use, about a minute)");
        assertThat(first.out()).isEqualTo("java -XX:TieredStopAtLevel=1 -jar " + jar + " status\n");
        assertThat(builds()).singleElement().asString().contains("-pl cli -am package");

        Run fresh = steward("status");
        assertThat(fresh.err()).isEmpty();
        assertThat(builds()).as("the jar is newer than every source").hasSize(1);

        // a test, the plugin or the docs changed: the jar is not built from them
        for (String f : List.of("cli/src/test/java/MainTest.java", "plugin/src/main/java/Step.java", "docs/agent.md")) {
            edit(f, "y");
        }
        assertThat(steward("status").err()).isEmpty();
        assertThat(builds()).hasSize(1);

        // a pull brought a newer source of a module the jar is built from
        edit("api/src/main/java/A.java", "y");
        Run pulled = steward("status");
        assertThat(pulled.err()).contains("steward: building " + jar + " (its sources changed since it was built, about a minute)");
        assertThat(pulled.out()).isEqualTo("java -XX:TieredStopAtLevel=1 -jar " + jar + " status\n");
        assertThat(builds()).hasSize(2);
        assertThat(steward("status").err()).isEmpty();
        assertThat(builds()).hasSize(2);

        edit("pom.xml", "<project><!-- a new version --></project>");
        steward("status");
        assertThat(builds()).as("a pom is a source").hasSize(3);
    }

    @Test
    void eachCommandGetsTheJvmItsTableSaysAndTheTestsReadTheSameTable() throws Exception {
        steward("status");
        Map<String, List<String>> table = LauncherFlags.read(tree.resolve("steward"));
        assertThat(table.get("agent")).contains("-Xmx24m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        assertThat(table.get("server")).as("the allocator: the whole JIT").isEmpty();
        assertThat(table.get("*")).as("a short command: C1 alone").containsExactly("-XX:TieredStopAtLevel=1");
        for (String command : List.of("agent", "server", "dev", "demo", "package", "snapshot", "status", "deploy", "logs")) {
            Run r = steward(command, "--help");
            List<String> flags = table.getOrDefault(command, table.get("*"));
            assertThat(r.out()).as(command).isEqualTo("java " + (flags.isEmpty() ? "" : String.join(" ", flags) + " ") + "-jar " + jar + " " + command + " --help\n");
            assertThat(LauncherFlags.of(command, "--help")).isEqualTo(flags);
        }
        assertThat(steward().out()).isEqualTo("java -XX:TieredStopAtLevel=1 -jar " + jar + "\n");
        assertThat(withOpts(tree, bin.toString(), "-Xmx64m", "agent").out()).as("STEWARD_JAVA_OPTS is the user's choice")
                .isEqualTo("java -Xmx64m -jar " + jar + " agent\n");
    }

    @Test
    void aFailedBuildIsShownAndNothingRuns() throws Exception {
        steward("status");
        edit("cli/src/main/java/Main.java", "broken");
        script("mvn", "echo '[ERROR] Main.java:[1,1] class, interface, enum, or record expected'; exit 1\n");
        Run broken = steward("status");
        assertThat(broken.code()).isEqualTo(1);
        assertThat(broken.err()).contains("[ERROR] Main.java:[1,1]").endsWith("steward: the build failed; see above\n");
        assertThat(broken.out()).as("the jar older than its sources does not run").isEmpty();
    }

    @Test
    void withoutMavenTheJarAsBuiltRunsAndTheScriptSaysItIsOlderThanItsSources() throws Exception {
        steward("status");
        edit("api/src/main/java/A.java", "y");
        Files.delete(bin.resolve("mvn"));
        Run r = steward("status");
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEqualTo("steward: sources changed since " + jar + " was built, but mvn is not installed: running the jar as it was built\n");
        assertThat(r.out()).isEqualTo("java -XX:TieredStopAtLevel=1 -jar " + jar + " status\n");
    }

    @Test
    void aCopyOfTheScriptBesideTheJarAloneBuildsNothing() throws Exception {
        steward("status");
        Path copy = Files.createDirectories(dir.resolve("copy"));
        Files.copy(tree.resolve("steward"), copy.resolve("steward"));
        Files.createSymbolicLink(copy.resolve("cli"), tree.resolve("cli"));
        edit("api/src/main/java/A.java", "y"); // not this copy's: it has no source tree
        Run r = steward(copy, bin.toString(), "status");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("java -XX:TieredStopAtLevel=1 -jar " + copy.resolve("cli/target/steward.jar") + " status\n");
        assertThat(builds()).hasSize(1);
    }

    /**
     * A short command runs with a class archive the script made from a training run, once per jar
     * and JVM; the long-running commands, and a user's own STEWARD_JAVA_OPTS, do not; a new jar
     * makes a new archive; a JVM that made none is not asked again on every command.
     */
    @Test
    void shortCommandsRunWithAClassArchiveTrainedOncePerJar() throws Exception {
        Path trainings = dir.resolve("trainings");
        // java: makes the archive a training run names (-XX:ArchiveClassesAtExit=FILE), and says it ran otherwise
        script("java", "for a in \"$@\"; do case \"$a\" in -XX:ArchiveClassesAtExit=*) echo \"$*\" >> \"" + trainings + "\"; "
                + "echo archive > \"${a#*=}\"; exit 1 ;; esac; done\necho \"java $*\"\n");
        Path jsa = tree.resolve("cli/target/steward.jsa");
        String cds = "-XX:SharedArchiveFile=" + jsa + " -Xlog:cds=off,cds+dynamic=off";

        Run first = steward("status");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).contains("steward: building ").contains("steward: making the class archive that starts short commands faster");
        assertThat(first.out()).isEqualTo("java -XX:TieredStopAtLevel=1 " + cds + " -jar " + jar + " status\n");
        assertThat(Files.readAllLines(trainings)).singleElement().asString()
                .contains("-XX:ArchiveClassesAtExit=" + jsa + ".").endsWith("-jar " + jar + " status --addr http://127.0.0.1:1 --token training");
        assertThat(jsa).as("made under a name of its own, then moved").hasContent("archive");

        Run again = steward("deploy", "--help");
        assertThat(again.err()).isEmpty();
        assertThat(again.out()).isEqualTo("java -XX:TieredStopAtLevel=1 " + cds + " -jar " + jar + " deploy --help\n");
        for (String command : List.of("agent", "server", "dev", "demo", "package", "snapshot")) {
            assertThat(steward(command).out()).as(command).doesNotContain("SharedArchiveFile");
        }
        assertThat(withOpts(tree, bin.toString(), "-Xmx64m", "status").out()).as("STEWARD_JAVA_OPTS is the user's choice")
                .isEqualTo("java -Xmx64m -jar " + jar + " status\n");
        assertThat(Files.readAllLines(trainings)).as("once per jar").hasSize(1);

        edit("api/src/main/java/A.java", "y"); // a new jar: the archive no longer fits it
        Run rebuilt = steward("status");
        assertThat(rebuilt.out()).isEqualTo("java -XX:TieredStopAtLevel=1 " + cds + " -jar " + jar + " status\n");
        assertThat(Files.readAllLines(trainings)).hasSize(2);

        // a JVM that makes no archive: the command runs without one, and the next is not made to train again
        script("java", "for a in \"$@\"; do case \"$a\" in -XX:ArchiveClassesAtExit=*) echo \"$*\" >> \"" + trainings + "\"; "
                + "exit 1 ;; esac; done\necho \"java $*\"\n");
        edit("api/src/main/java/A.java", "z");
        assertThat(steward("status").out()).isEqualTo("java -XX:TieredStopAtLevel=1 -jar " + jar + " status\n");
        Run quiet = steward("status");
        assertThat(quiet.err()).isEmpty();
        assertThat(quiet.out()).isEqualTo("java -XX:TieredStopAtLevel=1 -jar " + jar + " status\n");
        assertThat(Files.readAllLines(trainings)).hasSize(3);
        try (java.util.stream.Stream<Path> files = Files.list(tree.resolve("cli/target"))) {
            assertThat(files.map(f -> f.getFileName().toString())).as("no training's file left").noneMatch(f -> f.matches("steward\\.jsa\\.[0-9]+"));
        }
    }
}
