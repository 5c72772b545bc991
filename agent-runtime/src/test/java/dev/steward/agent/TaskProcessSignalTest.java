package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A signal sent to a task the moment it was started reaches it: the agent signals the wrapper's
 * process group, which exists only once the new process has called setsid, and a stop that came
 * while the task started used to be lost in between (the stop then waited out the whole kill
 * timeout). Here the process calls setsid half a second after it starts, so the signal is sure
 * to come first.
 */
class TaskProcessSignalTest {
    @TempDir
    Path dir;
    private Process started;

    @AfterEach
    void killIt() {
        if (started != null) {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly();
        }
    }

    @Test
    void a_signal_sent_before_the_task_has_its_process_group_reaches_it_once_it_has() throws Exception {
        started = new ProcessBuilder("sh", "-c", "sleep 0.5; exec setsid sleep 600").start();
        long pid = started.pid();
        TaskProcess p = new TaskProcess(dir, pid, TaskProcess.startTimeOf(pid));
        assertThat(TaskProcess.groupOf(pid)).as("not its group's leader yet").isNotEqualTo(pid);

        p.signal("TERM");

        await().atMost(Duration.ofSeconds(10)).until(() -> !started.isAlive());
        assertThat(started.exitValue()).as("ended by SIGTERM").isEqualTo(128 + 15);
    }

    @Test
    void a_process_that_is_gone_is_not_signalled() throws Exception {
        started = new ProcessBuilder("true").start();
        long pid = started.pid();
        TaskProcess p = new TaskProcess(dir, pid, TaskProcess.startTimeOf(pid));
        started.waitFor();
        p.signal("KILL"); // nothing to signal: returns at once, and nothing else is hit
        assertThat(p.alive()).isFalse();
    }

    /**
     * A wrapper that exited before its start time was read: the launcher records -1, which is also
     * what a reaped process reads as, and such a task was alive for ever (its stop waited out the
     * kill timeout, its end was never seen). The race the test above runs into now and then, made
     * sure.
     */
    @Test
    void a_process_that_exited_before_its_start_time_was_read_is_not_alive() throws Exception {
        started = new ProcessBuilder("true").start();
        started.waitFor();
        long pid = started.pid();
        await().atMost(Duration.ofSeconds(10)).until(() -> TaskProcess.startTimeOf(pid) < 0);
        TaskProcess p = new TaskProcess(dir, pid, TaskProcess.startTimeOf(pid));
        assertThat(p.alive()).isFalse();
        p.signal("KILL"); // returns at once: nothing to signal
    }
}
