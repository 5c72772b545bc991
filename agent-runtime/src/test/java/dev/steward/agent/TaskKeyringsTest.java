package dev.steward.agent;

import dev.steward.allocator.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A task's kernel keyrings are its own ({@link TaskKeyrings}), tried as a tenant would: a key one
 * task keeps is not found by another task, neither through a session keyring the agent passed on
 * to both (as systemd gives a service one) nor through the next task given the same uid.
 */
class TaskKeyringsTest {
    /** A uid the agent here lends alone, so that the second task is given the first one's. */
    private static final int UID = 61_990;
    private static final String SECRET = "kerberos-ticket-" + "k".repeat(20);
    private Cluster c;
    private Path keyctl;

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: a uid per task needs the agent to run as root");
        keyctl = TaskKeyrings.keyctl();
        assumeTrue(keyctl != null, "skipped: keyctl (keyutils) is not installed (.ci/run installs it)");
        c = new Cluster();
        c.agent("m1", Map.of("task-uids", UID + "-" + UID));
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
        for (int uid : List.of(UID, UID + 1, UID + 2)) {
            TaskKeyrings.clear(uid); // nothing of the test left in the kernel's keyrings, whatever failed
        }
    }

    private String task(String script) {
        String alloc = c.allocate("0.1", "32m");
        return c.task(alloc, "{\"name\":\"t\",\"command\":\"sh\",\"args\":[\"-c\"," + Json.MAPPER.valueToTree(script) + "],\"killTimeout\":\"1s\"}");
    }

    private String logs(String task) {
        return c.call("GET", "/v1/tasks/" + task + "/logs", null).asText();
    }

    @Test
    void what_a_task_left_in_its_uids_keyrings_the_next_task_of_that_uid_does_not_find() {
        String a = task(keyctl + " add user left-behind " + SECRET + " @u >/dev/null && echo \"added uid=$(id -u)\"; "
                + "echo \"session=$(" + keyctl + " rdescribe @s)\"");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(a).path("state").asText().equals("EXITED"));
        assertThat(logs(a)).contains("added uid=" + UID).as("a session keyring of its own, not the agent's nor its uid's")
                .containsPattern("session=keyring;0;0;[0-9a-f]+;_ses\\n");
        // the agent lends this one uid alone: B waits for it until A's is given back, swept. A keyring the uid owns is B's to link
        // into a session keyring of its own, and what it then holds is readable
        String b = task("echo \"uid=$(id -u)\"; " + keyctl + " session - /bin/sh -c '" + keyctl + " link @u @s; " + keyctl + " print $("
                + keyctl + " search @u user left-behind)' 2>&1; echo done");
        await().atMost(Duration.ofSeconds(60)).until(() -> logs(b).contains("done"));
        assertThat(logs(b)).contains("uid=" + UID).doesNotContain(SECRET).contains("Required key not available");
    }

    @Test
    void two_tasks_started_from_an_agent_that_holds_a_session_keyring_do_not_share_it() throws Exception {
        // the wrapper as the agent starts it, twice, from one process that holds a session keyring (systemd's KeyringMode=private)
        Path wrapper = c.root.resolve("agent-m1").resolve("wrapper.sh");
        Path dirs = Files.createDirectories(c.root.resolve("keyring-tasks"));
        String start = "STEWARD_NEW_KEYRING=" + keyctl + " /bin/sh " + wrapper + " " + dirs + "/%s -- setpriv --reuid=%d --regid=%d --clear-groups -- /bin/sh -c '%s'";
        String script = "mkdir -p " + dirs + "/a " + dirs + "/b; "
                + String.format(start, "a", UID + 1, UID + 1, keyctl + " add user shared " + SECRET + " @s >/dev/null && echo added") + "; "
                + String.format(start, "b", UID + 2, UID + 2, keyctl + " print $(" + keyctl + " search @s user shared) 2>&1; echo done");
        Process p = new ProcessBuilder(keyctl.toString(), "session", "-", "/bin/sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("added").contains("done").as("B never reads what A kept in its session keyring").doesNotContain(SECRET);
    }
}
