package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A finished task's sandbox is kept for the retention, its logs readable meanwhile, and then
 * removed (before, every finished sandbox stayed for ever: one agent held 44 after a test run).
 */
class SandboxGcTest {
    private static final Duration RETENTION = Duration.ofSeconds(8);
    private Cluster c;

    @BeforeEach
    void start() throws Exception {
        c = new Cluster();
        c.agent("m1", Map.of("sandbox-retention", RETENTION.toSeconds() + "s"));
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void aFinishedSandboxIsReadableForTheRetentionThenRemoved() {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"short\",\"command\":\"sh\",\"args\":[\"-c\",\"echo bye; echo data > out.txt\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("state").asText().equals("EXITED"));
        Path sandbox = c.root.resolve("agent-m1").resolve("tasks").resolve(t);
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(sandbox.resolve("done")));
        Instant ended = Instant.parse(readString(sandbox.resolve("done")).trim());

        assertThat(c.call("GET", "/v1/tasks/" + t + "/logs", null).asText()).as("readable during the retention").contains("bye");
        assertThat(Instant.now()).as("the read above happened within the retention").isBefore(ended.plus(RETENTION));

        await().atMost(RETENTION.plusSeconds(20)).until(() -> !Files.exists(sandbox));
        assertThat(Instant.now()).as("not removed before the retention").isAfterOrEqualTo(ended.plus(RETENTION));
        // and a read after it says why there is nothing, as a problem any client reads (the agent's own 404 is plain text)
        assertThatThrownBy(() -> c.call("GET", "/v1/tasks/" + t + "/logs", null)).hasMessageContaining(" -> 404 ")
                .hasMessageContaining("\"detail\":\"task " + t + " ended (exited) and agent m1 has removed its sandbox and its output "
                        + "(after the agent's sandbox-retention, or sooner on a disk running low)\"");
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
