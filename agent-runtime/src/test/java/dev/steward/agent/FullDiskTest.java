package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real agent whose data directory's disk is full (a 16 MiB tmpfs that a file fills): a task it
 * is given and cannot even prepare fails at once, as the host's fault and saying why, so its
 * service replaces it; before, it stayed PENDING for ever. Its heartbeats say its disk is nearly
 * full, so nothing new is placed on it (a request says why) until there is room; then what waits
 * is placed, tasks start again, and the failed one's sandbox is marked ended for the collector.
 * Needs root (to mount the tmpfs).
 */
class FullDiskTest {
    private Cluster c;
    private Path mountPoint;

    @AfterEach
    void stop() throws Exception {
        try {
            if (c != null) {
                c.close();
            }
        } finally {
            if (mountPoint != null) {
                run("umount", "-l", mountPoint.toString());
                Files.deleteIfExists(mountPoint);
            }
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private static void fill(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
            while (true) {
                zeros.clear();
                ch.write(zeros);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left");
        }
    }

    @Test
    void a_task_the_agent_cannot_prepare_on_a_full_disk_fails_as_the_hosts_fault_saying_why() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: mounting a small tmpfs to fill needs root");
        mountPoint = Files.createTempDirectory("steward-agent-full-disk");
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "steward-agent-full", mountPoint.toString()) == 0,
                "skipped: cannot mount a tmpfs here");
        try (LogCapture pressureLog = LogCapture.of(DiskPressureLog.class)) {
            runOnAFullDisk(pressureLog.lines());
        }
    }

    private void runOnAFullDisk(java.util.List<String> said) throws Exception {
        c = new Cluster();
        Path data = mountPoint.resolve("agent");
        c.agent("m1", Map.of("data", data.toString(), "disk-pressure-free", "1m"));
        String alloc = c.allocate("0.1", "64m");

        Path filler = mountPoint.resolve("filler");
        fill(filler);
        String task = c.task(alloc, "{\"name\":\"never\",\"command\":\"sh\",\"args\":[\"-c\",\"exec sleep 600\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("FAILED"));
        JsonNode info = c.taskInfo(task);
        assertThat(info.path("reason").asText()).startsWith("not started: this agent cannot write the task's directory in " + data.resolve("tasks"))
                .contains("No space left on device").contains("free on that disk");
        assertThat(info.path("hostFault").asBoolean()).as("the host's fault: a service replaces it, and no rollout fails for it").isTrue();

        // its heartbeats say so: nothing new is placed on it, and a request says why
        await().atMost(Duration.ofSeconds(30)).until(() -> dev.steward.api.Heartbeat.diskPressure(
                dev.steward.allocator.Json.MAPPER.convertValue(c.call("GET", "/v1/agents", null).get(0).path("usage"),
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Long>>() { })));
        String waits = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"64m\"}").path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/requests/" + waits, null).path("why").path("summary").asText()
                .contains("disk nearly full"));
        assertThat(c.call("GET", "/v1/requests/" + waits, null).path("state").asText()).isEqualTo("PENDING");
        assertThat(said).as("the agent's log says so, once").singleElement().asString().startsWith("WARNING this agent's disk is nearly full: 0m free on "
                + "the disk of " + data.resolve("tasks") + ", below disk-pressure-free 1m (1m); the allocator places nothing new here");

        Files.delete(filler);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/requests/" + waits, null).path("state").asText().equals("PLACED"));
        await().atMost(Duration.ofSeconds(10)).until(() -> said.size() == 2);
        assertThat(said.get(1)).startsWith("INFO this agent's disk has room again: ");
        String next = c.task(alloc, "{\"name\":\"runs\",\"command\":\"sh\",\"args\":[\"-c\",\"exec sleep 600\"],\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(next).path("state").asText().equals("RUNNING"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(data.resolve("tasks").resolve(task).resolve("done")));
    }
}
