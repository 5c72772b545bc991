package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent as a real process, killed with SIGKILL: its tasks keep running, a restarted agent
 * re-attaches to the same process, reports a task that exited meanwhile with its real exit code,
 * and stops what the allocator replaced while it was gone (Nomad's client-state recovery tests).
 * A kill between a task's spawn and its pid file is made by removing the pid file of a killed
 * agent: the directory is then exactly as such a crash leaves it, and the restarted agent must
 * neither start the task a second time nor lose it.
 */
class AgentRecoveryTest {
    private Cluster c;
    private AgentProcess agent;

    private final List<Path> taskDirs = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        for (Path d : taskDirs) { // a wrapper no pid file names (a second start, were one made) is not left running
            for (long pid : wrappersOf(d)) {
                new ProcessBuilder("kill", "-s", "KILL", "--", "-" + pid).start().waitFor();
            }
        }
        if (c != null) {
            c.close();
        }
    }

    /** The pids of live processes whose command line names {@code taskDir}: the task's wrappers, as /proc shows them. */
    static List<Long> wrappersOf(Path taskDir) throws java.io.IOException {
        List<Long> pids = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                try {
                    if (name.chars().allMatch(Character::isDigit) && TaskProcess.startTimeOf(Long.parseLong(name)) >= 0
                            && List.of(Files.readString(proc.resolve("cmdline")).split("\0")).contains(taskDir.toString())) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (java.io.IOException e) {
                    // ended while read
                }
            }
        }
        return pids;
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
        long mark = agent.logSize();
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> !p.alive());
        assertThat(c.call("GET", "/v1/allocations/" + alloc, null).path("state").asText()).isEqualTo("LOST");
        // the agent's own log says which process it stopped, and why
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.output(mark).contains(
                "task " + task + " \"worker\" (allocation " + alloc + "): KILLED (exit code 143): agent m1 was lost"));
    }

    @Test
    void a_task_stopped_before_its_agent_ever_started_it_is_reported_killed_and_its_allocation_can_end() throws Exception {
        c = new Cluster(Duration.ofSeconds(30));
        agent = agentProcess("m1");
        String alloc = c.allocate("0.2", "64m");
        agent.kill9(); // the agent does not see the task until it has been asked to stop: made and stopped within moments
        String task = c.task(alloc, "{\"name\":\"never\",\"command\":\"sh\",\"args\":[\"-c\",\"echo ran > ran; sleep 600\"]}");
        c.call("POST", "/v1/tasks/" + task + "/stop", null);
        assertThat(c.taskInfo(task).path("state").asText()).isEqualTo("PENDING");
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("KILLED"));
        assertThat(c.taskInfo(task).path("reason").asText()).startsWith("stopped before it started");
        Path dir = c.root.resolve("agent-m1").resolve("tasks").resolve(task);
        assertThat(dir.resolve("sandbox").resolve("ran")).as("it never ran").doesNotExist();
        assertThat(dir.resolve("done")).as("marked ended, for the sandbox collector").exists();
        c.call("POST", "/v1/allocations/" + alloc + "/release", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/allocations/" + alloc, null).path("state").asText().equals("RELEASED"));
    }

    /**
     * A cluster, an agent process, and a task that notes each run in {@code runs} and exits
     * {@code code} once {@code stop} appears in its sandbox, RUNNING; returns its id.
     */
    private String runningTask(String name, int code, int attempts) throws Exception {
        c = new Cluster(Duration.ofSeconds(30));
        agent = agentProcess("m1");
        String alloc = c.allocate("0.2", "64m");
        String task = c.task(alloc, "{\"name\":\"" + name + "\",\"command\":\"sh\",\"args\":[\"-c\",\"echo run >> runs; "
                + "while [ ! -f stop ]; do sleep 0.1; done; exit " + code + "\"],\"restart\":{\"attempts\":" + attempts + "}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("RUNNING"));
        return task;
    }

    @Test
    void a_task_whose_agent_died_before_recording_its_pid_is_adopted_not_started_twice() throws Exception {
        String task = runningTask("worker", 7, 0);
        long pid = c.taskInfo(task).path("pid").asLong();
        Path taskDir = c.root.resolve("agent-m1").resolve("tasks").resolve(task);
        taskDirs.add(taskDir);
        agent.kill9();
        Files.delete(taskDir.resolve("pid")); // as a kill between the spawn and the pid file leaves it
        long mark = agent.logSize();
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.output(mark).contains("recovered task " + task));
        assertThat(agent.output(mark)).contains("recovered task " + task + " running as pid " + pid).contains("adopted its wrapper, pid " + pid);
        assertThat(TaskProcess.load(taskDir)).as("the adopted wrapper's pid is recorded").isNotNull().extracting(TaskProcess::pid).isEqualTo(pid);
        JsonNode t = c.taskInfo(task);
        assertThat(t.path("state").asText()).isEqualTo("RUNNING");
        assertThat(t.path("pid").asLong()).isEqualTo(pid);
        assertThat(wrappersOf(taskDir)).as("one wrapper for the task, the first").containsExactly(pid);
        assertThat(Files.readAllLines(taskDir.resolve("sandbox").resolve("runs"))).as("the command ran once").hasSize(1);

        Files.writeString(taskDir.resolve("sandbox").resolve("stop"), "now"); // the adopted process is watched to its end
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("FAILED"));
        assertThat(c.taskInfo(task).path("exitCode").asInt()).isEqualTo(7);
    }

    @Test
    void a_task_that_ran_to_its_end_while_its_pid_was_unrecorded_is_reported_ended_not_run_again() throws Exception {
        String task = runningTask("batch", 3, 0);
        Path taskDir = c.root.resolve("agent-m1").resolve("tasks").resolve(task);
        taskDirs.add(taskDir);
        TaskProcess p = TaskProcess.load(taskDir);
        agent.kill9();
        Files.delete(taskDir.resolve("pid"));
        Files.writeString(taskDir.resolve("sandbox").resolve("stop"), "now"); // it ends while no agent runs
        await().atMost(Duration.ofSeconds(20)).until(() -> !p.alive() && Files.exists(taskDir.resolve("exit")));
        long mark = agent.logSize();
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("FAILED"));
        JsonNode t = c.taskInfo(task);
        assertThat(t.path("exitCode").asInt()).isEqualTo(3);
        assertThat(t.path("reason").asText()).startsWith("exited with code 3");
        assertThat(agent.output(mark)).contains("ran and exited while the agent was down");
        assertThat(Files.readAllLines(taskDir.resolve("sandbox").resolve("runs"))).as("the command ran once").hasSize(1);
        assertThat(wrappersOf(taskDir)).isEmpty();
    }

    @Test
    void a_restart_cut_short_before_its_pid_file_is_adopted_not_started_a_third_time() throws Exception {
        String task = runningTask("worker", 7, 3);
        long pid = c.taskInfo(task).path("pid").asLong();
        Path taskDir = c.root.resolve("agent-m1").resolve("tasks").resolve(task);
        taskDirs.add(taskDir);
        agent.kill9();
        // the pid file still names the previous run, which has exited; the new run's wrapper is not recorded yet
        Process previous = new ProcessBuilder("sleep", "30").start();
        long previousStart = TaskProcess.startTimeOf(previous.pid());
        previous.destroyForcibly().waitFor();
        Files.writeString(taskDir.resolve("pid"), previous.pid() + " " + previousStart + "\n");
        long mark = agent.logSize();
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.output(mark).contains("recovered task " + task));
        assertThat(agent.output(mark)).contains("recovered task " + task + " running as pid " + pid);
        assertThat(wrappersOf(taskDir)).as("one wrapper for the task").containsExactly(pid);
        assertThat(c.taskInfo(task).path("restarts").asInt()).isZero();
        assertThat(Files.readAllLines(taskDir.resolve("sandbox").resolve("runs"))).hasSize(1);
    }
}
