package dev.steward.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real {@code steward dev} from the shipped jar, for the command-line tests: started with its
 * own data directory and a free port, its address and admin token read from what it prints;
 * {@link #close} stops it (Ctrl-C's path: SIGTERM) and removes the test's directory.
 */
final class DevProcess implements AutoCloseable {
    static final Path JAR = Path.of("target", "steward.jar").toAbsolutePath();
    final Path dir;
    final Process process;
    final String addr;
    final String token;

    /** {@code java FLAGS [javaOpts] -jar steward.jar ARGS}, with the flags {@code ./steward} gives the command ({@link LauncherFlags}). */
    static List<String> java(List<String> javaOpts, String... args) {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: this test runs after 'mvn package' (mvn verify)");
        }
        return LauncherFlags.command(JAR, javaOpts, args);
    }

    private DevProcess(Path dir, Process process, String addr, String token) {
        this.dir = dir;
        this.process = process;
        this.addr = addr;
        this.token = token;
    }

    /**
     * Starts one in a new temporary directory ({@code data} under it), with these JVM options, its
     * agent lending {@code ports}: each IT class has ranges of its own, as the failsafe forks run
     * them side by side (cli/pom.xml).
     */
    static DevProcess start(String prefix, List<String> javaOpts, String ports) throws Exception {
        Path dir = Files.createTempDirectory(prefix);
        Process p = new ProcessBuilder(java(javaOpts, "dev", "--data", dir.resolve("data").toString(), "--port", "0", "--ports", ports)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("dev.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive() || Files.readString(dir.resolve("dev.log")).contains("export STEWARD_TOKEN="));
        String log = Files.readString(dir.resolve("dev.log"));
        assertThat(log).contains("steward dev ready in");
        return new DevProcess(dir, p, log.replaceAll("(?s).*export STEWARD_ADDR=(\\S+).*", "$1"),
                log.replaceAll("(?s).*export STEWARD_TOKEN=(\\S+).*", "$1"));
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("dev.log"));
    }

    /** Stops the process (SIGTERM, then SIGKILL after 30 s); the directory stays until {@link #close}. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            try (var all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
