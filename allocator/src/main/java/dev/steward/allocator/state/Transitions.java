package dev.steward.allocator.state;

import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestState;
import dev.steward.api.TaskState;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The state machines of allocations, requests, tasks and agents as explicit tables; an illegal transition throws. */
public final class Transitions {
    public static final Map<AllocationState, Set<AllocationState>> ALLOCATION = new EnumMap<>(AllocationState.class);
    public static final Map<RequestState, Set<RequestState>> REQUEST = new EnumMap<>(RequestState.class);
    public static final Map<AgentStatus, Set<AgentStatus>> AGENT = new EnumMap<>(AgentStatus.class);
    public static final Map<TaskState, Set<TaskState>> TASK = new EnumMap<>(TaskState.class);

    static {
        Set<AllocationState> ends = EnumSet.of(AllocationState.RELEASED, AllocationState.EXPIRED, AllocationState.PREEMPTED, AllocationState.LOST);
        EnumSet<AllocationState> fromAllocated = EnumSet.copyOf(ends);
        fromAllocated.add(AllocationState.LEAVING);
        ALLOCATION.put(AllocationState.ALLOCATED, fromAllocated);
        EnumSet<AllocationState> fromLeaving = EnumSet.copyOf(ends);
        fromLeaving.add(AllocationState.ALLOCATED); // the agent was re-enabled before the holder left
        ALLOCATION.put(AllocationState.LEAVING, fromLeaving);
        for (AllocationState s : ends) {
            ALLOCATION.put(s, EnumSet.noneOf(AllocationState.class));
        }
        REQUEST.put(RequestState.PENDING, EnumSet.of(RequestState.PLACED, RequestState.CANCELLED));
        REQUEST.put(RequestState.PLACED, EnumSet.of(RequestState.CANCELLED));
        REQUEST.put(RequestState.CANCELLED, EnumSet.noneOf(RequestState.class));
        Set<TaskState> taskEnds = EnumSet.of(TaskState.EXITED, TaskState.FAILED, TaskState.KILLED, TaskState.LOST);
        EnumSet<TaskState> fromPending = EnumSet.copyOf(taskEnds);
        fromPending.add(TaskState.RUNNING);
        TASK.put(TaskState.PENDING, fromPending);
        EnumSet<TaskState> fromRunning = EnumSet.copyOf(taskEnds);
        fromRunning.add(TaskState.RUNNING); // a health change is a report in the same state
        fromRunning.add(TaskState.RESTARTING);
        TASK.put(TaskState.RUNNING, fromRunning);
        EnumSet<TaskState> fromRestarting = EnumSet.copyOf(taskEnds);
        fromRestarting.add(TaskState.RUNNING);
        TASK.put(TaskState.RESTARTING, fromRestarting);
        for (TaskState s : taskEnds) {
            TASK.put(s, EnumSet.noneOf(TaskState.class));
        }
        AGENT.put(AgentStatus.READY, EnumSet.of(AgentStatus.LOST));
        AGENT.put(AgentStatus.LOST, EnumSet.of(AgentStatus.READY));
    }

    private Transitions() {
    }

    /** Thrown for a transition the table does not allow: a bug in the caller, never swallowed. */
    public static final class IllegalTransition extends IllegalStateException {
        public IllegalTransition(String what, Object from, Object to) {
            super("illegal " + what + " transition " + from + " -> " + to);
        }
    }

    public static void check(AllocationState from, AllocationState to) {
        if (!ALLOCATION.get(from).contains(to)) {
            throw new IllegalTransition("allocation", from, to);
        }
    }

    public static void check(RequestState from, RequestState to) {
        if (!REQUEST.get(from).contains(to)) {
            throw new IllegalTransition("request", from, to);
        }
    }

    public static void check(TaskState from, TaskState to) {
        if (!TASK.get(from).contains(to)) {
            throw new IllegalTransition("task", from, to);
        }
    }

    public static void check(AgentStatus from, AgentStatus to) {
        if (!AGENT.get(from).contains(to)) {
            throw new IllegalTransition("agent", from, to);
        }
    }
}
