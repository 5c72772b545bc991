package dev.steward.allocator.state;

import dev.steward.api.AllocationState;
import dev.steward.api.HealthCheck;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;
import dev.steward.api.ValidationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TasksTest {
    private final StateFixture f = new StateFixture();
    private final String agent = f.agent("m", "4", "4g").id();
    private final String alloc = f.request("default", StateFixture.ask("1", "1g", 1, null, false, false, List.of("http"), null, null)).allocations().get(0);

    private TaskInfo report(String task, long seq, TaskState st, Integer exit) {
        TaskInfo t = f.state.tasks().report(agent, task, new TaskStatus(seq, st, 42L, exit, null, null, 0, f.now), f.now);
        f.state.commit();
        return t;
    }

    @Test
    void the_bound_on_tasks_is_the_servers_to_set() {
        StateFixture g = new StateFixture(StateConfig.DEFAULTS.withBounds(RoleBounds.DEFAULTS.withMaxTasksPerAllocation(3)));
        g.agent("m", "4", "4g");
        String a = g.request("default", "1", "1g", 1).allocations().get(0);
        for (int i = 0; i < 3; i++) {
            g.state.tasks().add(a, TaskSpec.of("t" + i, "true"), g.now);
            g.state.commit();
        }
        assertThatThrownBy(() -> g.state.tasks().add(a, TaskSpec.of("t3", "true"), g.now)).isInstanceOf(Conflict.class)
                .hasMessageContaining("has had 3 tasks").hasMessageContaining("--max-tasks-per-allocation");
    }

    @Test
    void an_allocation_keeps_at_most_its_share_of_tasks_and_the_next_changes_nothing() {
        for (int i = 0; i < RoleBounds.DEFAULTS.maxTasksPerAllocation(); i++) {
            TaskInfo t = f.state.tasks().add(alloc, TaskSpec.of("t" + i, "true"), f.now);
            f.state.commit();
            report(t.id(), 1, TaskState.EXITED, 0);
        }
        long index = f.state.index();
        assertThatThrownBy(() -> f.state.tasks().add(alloc, TaskSpec.of("one-more", "true"), f.now)).isInstanceOf(Conflict.class)
                .hasMessage("allocation " + alloc + " has had 1000 tasks, the most one allocation keeps (ended ones included; the allocator's "
                        + "--max-tasks-per-allocation); release it and allocate another to run more");
        assertThat(f.state.changes().isEmpty()).isTrue();
        assertThat(f.state.index()).isEqualTo(index);
        String other = f.request("default", "1", "1g", 1).allocations().get(0);
        assertThat(f.state.tasks().add(other, TaskSpec.of("one-more", "true"), f.now).state()).as("another allocation's are its own")
                .isEqualTo(TaskState.PENDING);
    }

    @Test
    void reports_apply_once_and_in_order() {
        TaskInfo t = f.state.tasks().add(alloc, TaskSpec.of("web", "sleep", "60"), f.now);
        f.state.commit();
        assertThat(report(t.id(), 1, TaskState.RUNNING, null).state()).isEqualTo(TaskState.RUNNING);
        assertThat(report(t.id(), 2, TaskState.EXITED, 3).exitCode()).isEqualTo(3);
        TaskInfo again = report(t.id(), 1, TaskState.RUNNING, null);
        assertThat(again.state()).as("a late duplicate changes nothing").isEqualTo(TaskState.EXITED);
        assertThat(again.lastSeq()).isEqualTo(2);
        assertThat(f.state.changes().isEmpty()).isTrue();
    }

    @Test
    void when_the_allocation_ends_its_tasks_are_asked_to_stop_and_a_lost_agent_loses_them() {
        TaskInfo t = f.state.tasks().add(alloc, TaskSpec.of("web", "sleep", "60"), f.now);
        f.state.release(alloc, "test", f.now);
        f.state.commit();
        assertThat(f.state.tasks().get(t.id()).stopRequested()).isTrue();
        assertThat(f.state.tasks().get(t.id()).reason()).contains("released");

        String other = f.request("default", "1", "1g", 1).allocations().get(0);
        TaskInfo u = f.state.tasks().add(other, TaskSpec.of("db", "sleep", "60"), f.now);
        f.advance(Duration.ofSeconds(11));
        f.tick();
        assertThat(f.state.allocation(other).state()).isEqualTo(AllocationState.LOST);
        assertThat(f.state.tasks().get(u.id()).state()).isEqualTo(TaskState.LOST);
        TaskInfo late = report(u.id(), 1, TaskState.RUNNING, null);
        assertThat(late.state()).as("the agent comes back and is told the task is lost").isEqualTo(TaskState.LOST);
    }

    @Test
    void a_bad_spec_names_its_field_and_an_ended_allocation_takes_no_tasks() {
        HealthCheck bad = new HealthCheck("http", "/", "admin", null, null, null, null, null);
        assertThatThrownBy(() -> f.state.tasks().add(alloc, new TaskSpec("web", "x", null, null, null, bad, null, null, null), f.now))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("healthCheck.port: 'admin' is not one of the allocation's ports [http]");
        HealthCheck none = new HealthCheck("tcp", null, null, null, null, null, null, null);
        assertThatThrownBy(() -> f.state.tasks().add(alloc, new TaskSpec("web", "x", null, null, null, none, null, null, null), f.now))
                .isInstanceOf(ValidationException.class).hasMessage("healthCheck.port: is required for a tcp check: the name of the port to check, one of [http]");
        assertThatThrownBy(() -> f.state.tasks().add(alloc, new TaskSpec("web", "x", null, null, null, null, null, "1h", null), f.now))
                .hasMessageStartingWith("killTimeout:");
        f.state.release(alloc, "test", f.now);
        assertThatThrownBy(() -> f.state.tasks().add(alloc, TaskSpec.of("web", "x"), f.now)).isInstanceOf(Conflict.class);
    }
}
