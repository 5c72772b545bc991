package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent as a real process, killed with SIGKILL: its tasks keep running, a restarted agent
 * re-attaches to the same process, reports a task that exited meanwhile with its real exit code,
 * and stops what the allocator replaced while it was gone (Nomad's client-state recovery tests).
 */
class AgentRecoveryTest {
    private Cluster c;
    private AgentProcess agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (c != null) {
            c.close();
        }
    }

    private AgentProcess agentProcess(String name) throws Exception {
        return new AgentProcess(c.agentConfig(name, Map.of()), c.root.resolve(name + ".log"), List.of()).start();
    }

    @Test
    void killed_ten_times_the_agent_reattaches_to_the_same_process_each_time_and_reports_an_exit_that_happened_while_it_was_down() throws Exception {
        c = new Cluster(Duration.ofSeconds(30));
        agent = agentProcess("m1");
        String alloc = c.allocate("0.2", "64m");
        String task = c.task(alloc, "{\"name\":\"worker\",\"command\":\"sh\",\"args\":[\"-c\",\"while [ ! -f stop ]; do sleep 0.1; done; exit 7\"],"
                + "\"restart\":{\"attempts\":0}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("RUNNING"));
        long pid = c.taskInfo(task).path("pid").asLong();
        Path taskDir = c.root.resolve("agent-m1").resolve("tasks").resolve(task);
        TaskProcess p = TaskProcess.load(taskDir);
        for (int i = 0; i < 10; i++) {
            agent.kill9();
            assertThat(p.alive()).as("round %d: the task outlives its agent", i).isTrue();
            long mark = agent.logSize();
            agent.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.output(mark).contains("recovered task " + task + " running as pid " + pid));
            JsonNode t = c.taskInfo(task);
            assertThat(t.path("pid").asLong()).as("round %d", i).isEqualTo(pid);
            assertThat(t.path("restarts").asInt()).as("round %d", i).isZero();
            assertThat(t.path("state").asText()).isEqualTo("RUNNING");
        }
        agent.kill9();
        Files.writeString(taskDir.resolve("sandbox").resolve("stop"), "now"); // the task exits 7 while no agent runs
        await().atMost(Duration.ofSeconds(20)).until(() -> !p.alive());
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("FAILED"));
        JsonNode t = c.taskInfo(task);
        assertThat(t.path("exitCode").asInt()).isEqualTo(7);
        assertThat(t.path("reason").asText()).startsWith("exited with code 7");
    }

    @Test
    void after_a_long_absence_the_agent_stops_the_tasks_the_allocator_gave_up_on() throws Exception {
        c = new Cluster(Duration.ofSeconds(2));
        agent = agentProcess("m1");
        String alloc = c.allocate("0.2", "64m");
        String task = c.task(alloc, "{\"name\":\"worker\",\"command\":\"sleep\",\"args\":[\"600\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("RUNNING"));
        TaskProcess p = TaskProcess.load(c.root.resolve("agent-m1").resolve("tasks").resolve(task));
        agent.kill9();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("LOST"));
        assertThat(p.alive()).as("still running while its agent is away").isTrue();
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> !p.alive());
        assertThat(c.call("GET", "/v1/allocations/" + alloc, null).path("state").asText()).isEqualTo("LOST");
    }
}
