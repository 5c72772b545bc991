package dev.steward.allocator.state;

import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestState;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static dev.steward.api.AllocationState.ALLOCATED;
import static dev.steward.api.AllocationState.EXPIRED;
import static dev.steward.api.AllocationState.LEAVING;
import static dev.steward.api.AllocationState.LOST;
import static dev.steward.api.AllocationState.PREEMPTED;
import static dev.steward.api.AllocationState.RELEASED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Walks every from × to pair of each state machine against the expected table. */
class TransitionsTest {
    private static final Map<AllocationState, Set<AllocationState>> ALLOCATION = Map.of(
            ALLOCATED, Set.of(LEAVING, RELEASED, EXPIRED, PREEMPTED, LOST),
            LEAVING, Set.of(ALLOCATED, RELEASED, EXPIRED, PREEMPTED, LOST),
            RELEASED, Set.of(), EXPIRED, Set.of(), PREEMPTED, Set.of(), LOST, Set.of());

    @Test
    void every_allocation_transition_is_allowed_or_refused_as_the_table_says() {
        for (AllocationState from : AllocationState.values()) {
            for (AllocationState to : AllocationState.values()) {
                if (ALLOCATION.get(from).contains(to)) {
                    Transitions.check(from, to);
                } else {
                    assertThatThrownBy(() -> Transitions.check(from, to)).as("%s -> %s", from, to)
                            .isInstanceOf(Transitions.IllegalTransition.class).hasMessageContaining(from + " -> " + to);
                }
            }
        }
    }

    @Test
    void every_request_transition_is_allowed_or_refused_as_the_table_says() {
        Map<RequestState, Set<RequestState>> table = Map.of(
                RequestState.PENDING, Set.of(RequestState.PLACED, RequestState.CANCELLED),
                RequestState.PLACED, Set.of(RequestState.CANCELLED),
                RequestState.CANCELLED, Set.of());
        for (RequestState from : RequestState.values()) {
            for (RequestState to : RequestState.values()) {
                boolean ok = table.get(from).contains(to);
                if (ok) {
                    Transitions.check(from, to);
                } else {
                    assertThatThrownBy(() -> Transitions.check(from, to)).as("%s -> %s", from, to).isInstanceOf(Transitions.IllegalTransition.class);
                }
            }
        }
    }

    @Test
    void every_task_transition_is_allowed_or_refused_as_the_table_says() {
        java.util.Set<dev.steward.api.TaskState> ends = java.util.EnumSet.of(dev.steward.api.TaskState.EXITED, dev.steward.api.TaskState.FAILED,
                dev.steward.api.TaskState.KILLED, dev.steward.api.TaskState.LOST);
        for (dev.steward.api.TaskState from : dev.steward.api.TaskState.values()) {
            for (dev.steward.api.TaskState to : dev.steward.api.TaskState.values()) {
                boolean ok = switch (from) {
                    case PENDING -> to == dev.steward.api.TaskState.RUNNING || ends.contains(to);
                    case RUNNING -> to == dev.steward.api.TaskState.RUNNING || to == dev.steward.api.TaskState.RESTARTING || ends.contains(to);
                    case RESTARTING -> to == dev.steward.api.TaskState.RUNNING || ends.contains(to);
                    default -> false;
                };
                if (ok) {
                    Transitions.check(from, to);
                } else {
                    assertThatThrownBy(() -> Transitions.check(from, to)).as("%s -> %s", from, to).isInstanceOf(Transitions.IllegalTransition.class);
                }
            }
        }
    }

    @Test
    void every_agent_transition_is_allowed_or_refused_as_the_table_says() {
        for (AgentStatus from : AgentStatus.values()) {
            for (AgentStatus to : AgentStatus.values()) {
                if (from != to) {
                    Transitions.check(from, to);
                } else {
                    assertThatThrownBy(() -> Transitions.check(from, to)).isInstanceOf(Transitions.IllegalTransition.class);
                }
            }
        }
        assertThat(Transitions.AGENT).containsOnlyKeys(AgentStatus.values());
    }
}
