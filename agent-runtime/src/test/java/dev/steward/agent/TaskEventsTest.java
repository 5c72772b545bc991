package dev.steward.agent;

import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

class TaskEventsTest {
    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

    private static TaskStatus status(TaskState state, Long pid, Integer code, Boolean healthy, String reason, int restarts) {
        return new TaskStatus(0, state, pid, code, healthy, reason, restarts, NOW);
    }

    private final TaskInfo task = new TaskInfo("1bd9a0c3e1f2a4b5", "5a2c00d1e2f3a4b5", "agent", "role", TaskSpec.of("web", "sh"), Map.of(), null,
            false, TaskState.PENDING, null, null, null, null, 0, 0, Instant.EPOCH, null, null, 1, 1);

    @Test
    void each_kind_of_status_reads_as_one_line_that_names_the_task_its_name_and_its_allocation() {
        String head = "task 1bd9a0c3e1f2a4b5 \"web\" (allocation 5a2c00d1e2f3a4b5): ";
        assertThat(TaskEvents.line(task, status(TaskState.RUNNING, 4162L, null, null, null, 0))).isEqualTo(head + "running as pid 4162");
        assertThat(TaskEvents.line(task, status(TaskState.RUNNING, 4170L, null, null, null, 2))).isEqualTo(head + "running as pid 4170 (restart 2)");
        assertThat(TaskEvents.line(task, status(TaskState.RUNNING, 4162L, null, true, "health check passed", 0)))
                .isEqualTo(head + "healthy: health check passed");
        assertThat(TaskEvents.line(task, status(TaskState.RUNNING, 4162L, null, false, "HTTP 500", 0))).isEqualTo(head + "unhealthy: HTTP 500");
        assertThat(TaskEvents.line(task, status(TaskState.RESTARTING, 4162L, 1, null, "exited with code 1; restarting at 2026-12-05T10:00:01Z", 1)))
                .isEqualTo(head + "RESTARTING (exit code 1): exited with code 1; restarting at 2026-12-05T10:00:01Z");
        assertThat(TaskEvents.line(task, status(TaskState.KILLED, 4162L, 143, null, "agent m1 was lost", 0)))
                .isEqualTo(head + "KILLED (exit code 143): agent m1 was lost");
        assertThat(TaskEvents.line(task, status(TaskState.FAILED, null, null, null, "could not start: no such file", 0)))
                .isEqualTo(head + "FAILED: could not start: no such file");
    }

    @Test
    void what_went_wrong_is_a_warning_and_the_rest_information() {
        assertThat(TaskEvents.level(status(TaskState.RUNNING, 1L, null, null, null, 0))).isEqualTo(Level.INFO);
        assertThat(TaskEvents.level(status(TaskState.RUNNING, 1L, null, true, "ok", 0))).isEqualTo(Level.INFO);
        assertThat(TaskEvents.level(status(TaskState.EXITED, 1L, 0, null, "exited with code 0", 0))).isEqualTo(Level.INFO);
        assertThat(TaskEvents.level(status(TaskState.KILLED, 1L, 143, null, "stop requested", 0))).isEqualTo(Level.INFO);
        assertThat(TaskEvents.level(status(TaskState.RUNNING, 1L, null, false, "HTTP 500", 0))).isEqualTo(Level.WARNING);
        assertThat(TaskEvents.level(status(TaskState.RESTARTING, 1L, 1, null, "exited with code 1", 1))).isEqualTo(Level.WARNING);
        assertThat(TaskEvents.level(status(TaskState.FAILED, 1L, 1, null, "exited with code 1", 0))).isEqualTo(Level.WARNING);
    }
}
