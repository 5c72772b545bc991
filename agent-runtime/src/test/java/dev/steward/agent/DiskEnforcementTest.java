package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Disk is a limit on a real agent: a task that writes past the disk its allocation asked for is
 * stopped and fails with "disk limit exceeded", and one that makes more files than an allocation may
 * hold, with "file limit exceeded"; the agent reports what its sandboxes hold and
 * what is free; and when the disk runs low, ended sandboxes go before their retention.
 */
class DiskEnforcementTest {
    private Cluster c;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void a_task_that_writes_past_its_disk_is_stopped_and_fails_saying_why() throws Exception {
        c = new Cluster();
        c.agent("m1", Map.of("disk-check-interval", "500ms"));
        String alloc = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"64m\",\"disk\":\"8m\"}").path("allocations").get(0).asText();
        // 1 MiB a step, real blocks (not a sparse file): past 8m within seconds, then it would go on for ever
        String t = c.task(alloc, "{\"name\":\"filler\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"i=0; while :; do head -c 1048576 /dev/urandom > f$i; i=$((i+1)); sleep 0.1; done\"],\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(60)).until(() -> c.taskInfo(t).path("state").asText().equals("FAILED"));
        JsonNode info = c.taskInfo(t);
        assertThat(info.path("reason").asText()).startsWith("disk limit exceeded").contains("above the 8m of disk its allocation asked for");
        assertThat(info.path("restarts").asInt()).as("not restarted: it would only fill the disk again").isZero();

        String small = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"64m\",\"disk\":\"64m\"}").path("allocations").get(0).asText();
        String ok = c.task(small, "{\"name\":\"within\",\"command\":\"sh\",\"args\":[\"-c\",\"head -c 2097152 /dev/urandom > f; exec sleep 600\"],"
                + "\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> usage("disk:" + ok) >= 2);
        assertThat(c.taskInfo(ok).path("state").asText()).as("a task within its disk runs on").isEqualTo("RUNNING");
        assertThat(usage("diskFreeMib")).as("the agent reports what is free").isPositive();
        assertThat(usage("sandboxesMib")).as("and what its sandboxes hold, the failed task's included").isGreaterThanOrEqualTo(8);
    }

    @Test
    void an_allocations_tasks_share_its_disk_and_past_it_the_largest_is_stopped() throws Exception {
        c = new Cluster();
        c.agent("m1", Map.of("disk-check-interval", "500ms"));
        String alloc = c.call("POST", "/v1/requests", "{\"cpus\":\"0.2\",\"memory\":\"64m\",\"disk\":\"8m\"}").path("allocations").get(0).asText();
        // each alone fits the 8m; together they hold 10m (the second writes a little more, so it is the largest)
        String small = c.task(alloc, "{\"name\":\"small\",\"command\":\"sh\",\"args\":[\"-c\",\"head -c 4718592 /dev/urandom > f; exec sleep 600\"],"
                + "\"killTimeout\":\"1s\"}");
        String large = c.task(alloc, "{\"name\":\"large\",\"command\":\"sh\",\"args\":[\"-c\",\"head -c 5767168 /dev/urandom > f; exec sleep 600\"],"
                + "\"killTimeout\":\"1s\"}");
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.taskInfo(large).path("state").asText().equals("FAILED"));
        } catch (org.awaitility.core.ConditionTimeoutException e) { // failed so once in a fresh-clone run: what the agent saw, for the next look
            throw new AssertionError("task " + large + " was not stopped within 60 s; large: " + c.taskInfo(large) + "; small: " + c.taskInfo(small)
                    + "; the agent's usage: " + c.call("GET", "/v1/agents", null).get(0).path("usage"), e);
        }
        assertThat(c.taskInfo(large).path("reason").asText()).startsWith("disk limit exceeded: the sandboxes of the 2 running tasks of allocation " + alloc)
                .contains("above the 8m of disk it asked for").contains(", the most of them");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> c.taskInfo(small).path("state").asText().equals("RUNNING"));
    }

    @Test
    void a_task_that_makes_more_files_than_its_allocation_may_hold_is_stopped_though_they_take_no_disk() throws Exception {
        c = new Cluster();
        c.agent("m1", Map.of("disk-check-interval", "500ms", "task-max-files", "500"));
        // empty files: no blocks, so no disk limit sees them, but every one takes an inode of the file system the agent shares
        String t = c.task(c.allocate("0.1", "64m"), "{\"name\":\"inodes\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"mkdir many && cd many && seq 2000 | xargs touch && echo made; exec sleep 600\"],\"killTimeout\":\"1s\"}");
        String ok = c.task(c.allocate("0.1", "64m"), "{\"name\":\"few\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"mkdir some && cd some && seq 100 | xargs touch && echo made; exec sleep 600\"],\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(60)).until(() -> c.taskInfo(t).path("state").asText().equals("FAILED"));
        assertThat(c.taskInfo(t).path("reason").asText()).startsWith("file limit exceeded: its sandbox and /tmp hold ")
                .contains("files and directories, above the 500 this agent lets an allocation hold (task-max-files)");
        assertThat(c.taskInfo(t).path("restarts").asInt()).as("not restarted: it would only make them again").isZero();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> c.taskInfo(ok).path("state").asText().equals("RUNNING"));
    }

    @Test
    void a_task_whose_allocation_asks_for_no_disk_is_held_to_the_agents_default() throws Exception {
        c = new Cluster();
        c.agent("m1", Map.of("disk-check-interval", "500ms", "default-task-disk", "4m"));
        String alloc = c.allocate("0.1", "64m");
        String t = c.task(alloc, "{\"name\":\"filler\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"i=0; while :; do head -c 1048576 /dev/urandom > f$i; i=$((i+1)); sleep 0.1; done\"],\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(60)).until(() -> c.taskInfo(t).path("state").asText().equals("FAILED"));
        assertThat(c.taskInfo(t).path("reason").asText()).startsWith("disk limit exceeded")
                .contains("above the 4m this agent gives a task whose allocation asks for no disk (default-task-disk)");
    }

    @Test
    void ended_sandboxes_go_before_their_retention_when_the_disk_runs_low() throws Exception {
        c = new Cluster();
        // a threshold no disk meets: the disk is "low" from the start, so the 1h retention must give way
        c.agent("m1", Map.of("sandbox-retention", "1h", "sandbox-gc-min-free", "100%"));
        String alloc = c.allocate("0.1", "32m");
        String running = c.task(alloc, "{\"name\":\"stays\",\"command\":\"sleep\",\"args\":[\"600\"],\"killTimeout\":\"1s\"}");
        String alloc2 = c.allocate("0.1", "32m");
        String t = c.task(alloc2, "{\"name\":\"short\",\"command\":\"sh\",\"args\":[\"-c\",\"echo bye\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("state").asText().equals("EXITED"));
        Path tasks = c.root.resolve("agent-m1").resolve("tasks");
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(tasks.resolve(t)));
        assertThat(tasks.resolve(running)).as("a running task's sandbox is never collected").isDirectory();
        assertThat(c.taskInfo(running).path("state").asText()).isEqualTo("RUNNING");
    }

    private long usage(String key) {
        JsonNode agents = c.call("GET", "/v1/agents", null);
        return agents.get(0).path("usage").path(key).asLong(-1);
    }
}
