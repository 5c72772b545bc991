package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** An agent run as its own JVM ({@code AgentMain}), so a test can kill it with SIGKILL and start it again. */
final class AgentProcess implements AutoCloseable {
    private final List<String> command = new ArrayList<>();
    private final Path log;
    private Process process;

    AgentProcess(Map<String, String> config, Path log, List<String> prefix) {
        this.log = log;
        command.addAll(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName()));
        config.forEach((k, v) -> {
            command.add("--" + k);
            command.add(v);
        });
    }

    /** Starts the agent and waits until it has joined (its first line on stdout). */
    AgentProcess start() throws IOException {
        long before = Files.exists(log) ? Files.size(log) : 0;
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !process.isAlive() || output(before).contains("joined "));
        if (!process.isAlive()) {
            throw new IllegalStateException("the agent died at start:\n" + output(0));
        }
        return this;
    }

    /** What the agent printed since {@code from} bytes into its log. */
    String output(long from) throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(from, all.length), (int) (all.length - Math.min(from, all.length)));
    }

    long logSize() throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }
}
