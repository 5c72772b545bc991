package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task's secrets on a real agent: a file of the task's user (0400, in a 0500 directory named by
 * {@code STEWARD_SECRETS}), absent from its environment and command line, written afresh on a
 * restart, and removed when the task ends.
 */
class TaskSecretsTest {
    private static final String VALUE = "s3cr3t-" + "e".repeat(40);
    private Cluster c;

    @BeforeEach
    void start() throws Exception {
        c = new Cluster();
        c.agent("m1", Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void the_task_reads_its_secret_from_a_private_file_never_from_its_environment_and_the_file_goes_when_it_ends() throws Exception {
        String alloc = c.allocate("0.2", "64m");
        String script = "v=$(cat \"$STEWARD_SECRETS/token\"); echo \"secret=$v\"; echo \"mode=$(stat -c %a \"$STEWARD_SECRETS/token\")"
                + " dir=$(stat -c %a \"$STEWARD_SECRETS\") owner=$(stat -c %u \"$STEWARD_SECRETS/token\") me=$(id -u)\";"
                + " echo \"env-mentions=$(env | grep -cF \"$v\")\"; echo \"cmdline-mentions=$(tr '\\0' ' ' < /proc/$$/cmdline | grep -cF \"$v\")\";"
                + " echo ready; exec sleep 600";
        String task = c.task(alloc, "{\"name\":\"reader\",\"command\":\"sh\",\"args\":[\"-c\"," + quote(script) + "],"
                + "\"secrets\":{\"token\":\"" + VALUE + "\"},\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/tasks/" + task + "/logs", null).asText().contains("ready"));
        String out = c.call("GET", "/v1/tasks/" + task + "/logs", null).asText();
        assertThat(out).contains("secret=" + VALUE).contains("mode=400 dir=500").contains("env-mentions=0").contains("cmdline-mentions=0");
        String me = out.replaceAll("(?s).*me=(\\S+).*", "$1");
        assertThat(out).contains("owner=" + me);

        Path taskDir = c.root.resolve("agent-m1").resolve("tasks").resolve(task);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(taskDir.resolve("task.json"))))
                .as("the agent's copy of the spec holds the value, so it is the agent's alone").isEqualTo("rw-------");
        assertThat(c.taskInfo(task).toString()).as("the admin reads it redacted").doesNotContain(VALUE);

        c.call("POST", "/v1/tasks/" + task + "/stop", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("KILLED"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(taskDir.resolve("secrets")));
    }

    @Test
    void a_restarted_task_gets_its_secrets_again_and_a_file_it_added_does_not_survive() {
        String alloc = c.allocate("0.2", "64m");
        String script = "ls \"$STEWARD_SECRETS\" | tr '\\n' ' '; echo; cat \"$STEWARD_SECRETS/token\"; echo; echo junk > \"$STEWARD_SECRETS/left\"; exit 3";
        String task = c.task(alloc, "{\"name\":\"flaky\",\"command\":\"sh\",\"args\":[\"-c\"," + quote(script) + "],"
                + "\"secrets\":{\"token\":\"" + VALUE + "\"},\"restart\":{\"attempts\":1,\"interval\":\"1m\",\"delay\":\"100ms\",\"mode\":\"fail\"}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("FAILED"));
        String out = c.call("GET", "/v1/tasks/" + task + "/logs", null).asText();
        assertThat(out.lines().filter(l -> l.equals("token ")).count()).as(out).isEqualTo(2);
        assertThat(out.lines().filter(l -> l.equals(VALUE)).count()).isEqualTo(2);
        assertThat(c.taskInfo(task).path("restarts").asInt()).isEqualTo(1);
    }

    private static String quote(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
