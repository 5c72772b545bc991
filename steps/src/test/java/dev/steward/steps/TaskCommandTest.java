package dev.steward.steps;

import dev.steward.api.DeployRequest;
import dev.steward.api.ExecResult;
import dev.steward.api.ValidationException;
import dev.steward.client.StewardException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The execService step's behaviour on a real allocator and agent: the instance it names, what
 * goes into the build log, and what it gives back or fails with, as {@code sh} does (output
 * logged, a non-zero exit or a timeout fails, returnStdout, returnStatus).
 */
class TaskCommandTest {
    private TestCluster c;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void a_command_runs_in_the_named_instance_and_answers_as_sh_does() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        DeployRequest d = new DeployRequest(v1, null, null, 2, "0.25", "64m", null, null, null, null, null, null, null, null, null, null, null, null, null, "1s",
                "30s", null, null, null, null, null, null, null);
        assertThat(DeployWatch.start(c.admin, "webapp", "pr-7", d, c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();

        assertThatThrownBy(() -> TaskCommand.prepare(c.admin, "webapp", "pr-7", null, List.of("true"), null, c.listener))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 2 live instances; choose one with instance 0..1");
        assertThatThrownBy(() -> TaskCommand.prepare(c.admin, "webapp", "pr-7", "2", List.of("true"), null, c.listener))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instance: '2' is not 0..1");
        assertThatThrownBy(() -> TaskCommand.prepare(c.admin, "webapp", "nosuch", "0", List.of("true"), null, c.listener))
                .isInstanceOf(StewardException.class).satisfies(e -> assertThat(((StewardException) e).status()).isEqualTo(404));

        c.lines.clear();
        TaskCommand cmd = TaskCommand.prepare(c.admin, "webapp", "pr-7", "1", List.of("sh", "-c", "cat VERSION; echo 'to stderr' >&2"), "20s", c.listener);
        String instance = cmd.instance().id();
        assertThat(c.lines.get(0)).isEqualTo("steward: running sh -c 'cat VERSION; echo '\\''to stderr'\\'' >&2' in webapp/pr-7 instance " + instance
                + " (task " + cmd.instance().taskId() + ", timeout 20s)");
        ExecResult r = cmd.runAsync().get(60, TimeUnit.SECONDS);
        TaskCommand.Outcome o = cmd.outcome(r, false, false, c.listener);
        assertThat(o.failed()).isFalse();
        assertThat(o.value()).isInstanceOfSatisfying(Map.class, m -> assertThat(m).containsEntry("exitCode", 0).containsEntry("stdout", "v1\n")
                .containsEntry("stderr", "to stderr\n").containsEntry("timedOut", false).containsEntry("instance", instance)
                .containsEntry("task", cmd.instance().taskId()));
        assertThat(c.lines).contains("v1", "to stderr").anyMatch(l -> l.startsWith("steward: sh -c ") && l.contains(" exited with 0 after "));

        c.lines.clear();
        TaskCommand stdout = TaskCommand.prepare(c.admin, "webapp", "pr-7", instance, List.of("sh", "-c", "cat VERSION; echo 'to stderr' >&2"), null,
                c.listener);
        TaskCommand.Outcome so = stdout.outcome(stdout.runAsync().get(60, TimeUnit.SECONDS), true, false, c.listener);
        assertThat(so.value()).as("returnStdout gives the output, an instance named by its id").isEqualTo("v1\n");
        assertThat(c.lines).as("and leaves it out of the log").doesNotContain("v1").contains("to stderr");

        TaskCommand fails = TaskCommand.prepare(c.admin, "webapp", "pr-7", "0", List.of("sh", "-c", "exit 3"), null, c.listener);
        ExecResult three = fails.runAsync().get(60, TimeUnit.SECONDS);
        TaskCommand.Outcome failed = fails.outcome(three, true, false, c.listener);
        assertThat(failed.failed()).as("a non-zero exit fails the step, returnStdout or not").isTrue();
        assertThat(failed.message()).isEqualTo("sh -c 'exit 3' in webapp/pr-7 instance " + fails.instance().id() + " exited with 3");
        assertThat(fails.outcome(three, false, true, c.listener)).as("returnStatus gives the code instead").isEqualTo(new TaskCommand.Outcome(false, null, 3));

        TaskCommand slow = TaskCommand.prepare(c.admin, "webapp", "pr-7", "0", List.of("sleep", "30"), "1s", c.listener);
        ExecResult killed = slow.runAsync().get(60, TimeUnit.SECONDS);
        assertThat(killed.timedOut()).isTrue();
        assertThat(slow.outcome(killed, false, true, c.listener).value()).as("a timeout is 124, as timeout(1) says").isEqualTo(TaskCommand.TIMED_OUT);
        assertThat(slow.outcome(killed, false, false, c.listener).message()).contains("ran past its timeout of 1s and was killed");
    }

    @Test
    void a_step_that_is_stopped_has_its_command_killed() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        DeployRequest d = new DeployRequest(v1, null, null, 1, "0.25", "64m", null, null, null, null, null, null, null, null, null, null, null, null, null, "1s",
                "30s", null, null, null, null, null, null, null);
        assertThat(DeployWatch.start(c.admin, "webapp", "pr-8", d, c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();
        TaskCommand cmd = TaskCommand.prepare(c.admin, "webapp", "pr-8", null, List.of("sh", "-c", "echo $$ > exec.pid; exec sleep 305"), "4m", c.listener);
        Path pidFile = c.root.resolve("agent/tasks/" + cmd.instance().taskId() + "/sandbox/exec.pid");
        java.util.concurrent.CompletableFuture<ExecResult> running = cmd.runAsync();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile) && Files.readString(pidFile).strip().matches("\\d+"));
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        try {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
            running.cancel(true); // what aborting the build does (WaitingStepExecution.stop)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        } finally { // failing, it is not left behind in the task's cgroup
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void bad_arguments_name_the_field_and_the_limit_before_any_call() {
        assertThatThrownBy(() -> TaskCommand.check(List.of(), null)).isInstanceOf(ValidationException.class).hasMessageContaining("command");
        assertThatThrownBy(() -> TaskCommand.check(List.of("true"), "10m")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("timeout").hasMessageContaining("10m is outside 1s..5m");
        assertThat(TaskCommand.check(List.of("true"), null)).isEqualTo(Duration.ofSeconds(30));
    }
}
