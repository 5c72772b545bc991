package dev.steward.allocator.state;

import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tasks of the cluster: processes that agents run inside allocations. A client adds a task
 * to a live allocation and may ask it to stop; the agent of the allocation reports what the task
 * does, each report numbered so that it is applied once and in order. When an allocation ends,
 * its tasks are asked to stop; when its agent is lost, they are lost with it. Part of
 * {@link ClusterState}, owned by the same thread.
 */
public final class Tasks {
    private final ClusterState state;
    private final Map<String, TaskInfo> tasks = new LinkedHashMap<>();
    private final Map<String, Set<String>> byAllocation = new HashMap<>();
    private final Map<String, Set<String>> byAgent = new HashMap<>(); // agent id → its task ids, in the order they were added
    private final Map<String, Long> byAgentIndex = new HashMap<>(); // agent id → index of the last change to its tasks
    private final Set<String> touchedKeys = new java.util.HashSet<>(); // watch keys of the agents whose tasks changed in this command

    Tasks(ClusterState state) {
        this.state = state;
    }

    /** Starts a task in a live allocation (the agent picks it up from its blocking query). */
    public TaskInfo add(String allocationId, TaskSpec spec, Instant now) {
        AllocationInfo a = state.allocation(allocationId);
        if (a.state().terminal()) {
            throw new Conflict("allocation " + allocationId + " has ended (" + a.state() + "); it runs no new tasks");
        }
        int had = byAllocation.getOrDefault(allocationId, Set.of()).size();
        if (had >= state.config().bounds().maxTasksPerAllocation()) { // their records live as long as it does: a client looping on tasks must not grow the state without end
            throw new Conflict("allocation " + allocationId + " has had " + had + " tasks, the most one allocation keeps (ended ones included; "
                    + "the allocator's --max-tasks-per-allocation); release it and allocate another to run more");
        }
        if (spec.packageDigest() != null) {
            dev.steward.api.Digests.check("packageDigest", spec.packageDigest());
            spec = spec.withDefaultsFrom(state.packages().stored(spec.packageDigest()));
            state.packages().fitsDisk(spec.packageDigest(), a.resources().diskMib(), "allocation " + allocationId);
        }
        spec.validate(List.copyOf(a.ports().keySet()));
        if (spec.user() != null) {
            RoleRecord r = state.roles.get(a.role());
            if (r == null || !r.allowedUsers().contains(spec.user())) {
                throw new Forbidden("role '" + a.role() + "' may not run tasks as user '" + spec.user() + "'; an admin allows it by listing it in "
                        + "the role's users (PUT /v1/roles/" + a.role() + " with \"users\": [\"" + spec.user() + "\"])");
            }
        }
        for (String id : byAllocation.getOrDefault(allocationId, Set.of())) {
            TaskInfo t = tasks.get(id);
            if (t.spec().name().equals(spec.name()) && !t.state().terminal()) {
                throw new Conflict("allocation " + allocationId + " already runs a task named '" + spec.name() + "' (" + t.id() + ")");
            }
        }
        if (spec.packageDigest() != null) {
            state.packages().use(spec.packageDigest(), a.role(), now); // refreshed (and the role's) only now, once nothing can refuse the task
        }
        String id = state.ids.get();
        TaskInfo t = new TaskInfo(id, allocationId, a.agentId(), a.role(), spec, a.ports(), a.resources(), false, TaskState.PENDING, null, null,
                null, null, 0, 0, now, null, null, state.nextIndex(), state.nextIndex());
        put(t);
        return t;
    }

    /** Asks a task to stop; the agent sends SIGTERM, then SIGKILL after the kill timeout. Idempotent. */
    public TaskInfo stop(String id, String why) {
        TaskInfo t = get(id);
        if (t.stopRequested() || t.state().terminal()) {
            return t;
        }
        TaskInfo s = with(t, true, t.state(), t.healthy(), t.pid(), t.exitCode(), why, t.restarts(), t.lastSeq(), t.startedAt(), t.finishedAt());
        put(s);
        return s;
    }

    /**
     * Applies an agent's report. A report whose number is not above the last applied is a
     * repeat and changes nothing; a report about a task that has ended here (lost with its
     * agent) changes nothing either: the answer tells the agent to stop it. The reason is kept
     * as one line with what a terminal acts on escaped ({@link dev.steward.api.ControlChars}): it
     * may quote the task's own output, and deployments' events and every reader show it.
     */
    public TaskInfo report(String agentId, String taskId, TaskStatus s, Instant now) {
        TaskInfo t = get(taskId);
        if (!t.agentId().equals(agentId)) {
            throw new NotFound("task", taskId);
        }
        if (s.seq() <= t.lastSeq() || t.state().terminal()) {
            return t;
        }
        if (s.state() == null) {
            throw new dev.steward.api.ValidationException("state", "is required");
        }
        if (!Transitions.TASK.get(t.state()).contains(s.state())) { // the agent's word: its mistake is a refusal with a reason, never a 500
            throw new Conflict("task " + taskId + " is " + t.state() + " and cannot become " + s.state() + " (from " + t.state() + " it can become "
                    + Transitions.TASK.get(t.state()) + "); report " + s.seq() + " is refused and changes nothing");
        }
        Instant started = t.startedAt() == null && s.state() == TaskState.RUNNING ? (s.at() == null ? now : s.at()) : t.startedAt();
        Instant finished = s.state().terminal() ? (s.at() == null ? now : s.at()) : null;
        Boolean hostFault = s.state() == TaskState.FAILED && Boolean.TRUE.equals(s.hostFault()) ? Boolean.TRUE : null; // only a failure can be the host's
        TaskInfo u = with(t, t.stopRequested(), s.state(), s.healthy(), s.pid() != null ? s.pid() : t.pid(), s.exitCode(),
                s.reason() != null ? dev.steward.api.ControlChars.escapeLine(s.reason()) : (s.state().terminal() ? t.reason() : null), s.restarts() == null ? t.restarts() : s.restarts(),
                s.seq(), started, finished, hostFault);
        // a running task's report is news only to others: its agent has the answer, so its watch is not woken to read back what
        // it said. An end is: a report from an earlier incarnation of the agent can end a task whose process still runs here.
        put(u, s.state().terminal());
        return u;
    }

    /** Called when an allocation ends: its tasks stop, or are lost with the agent. */
    void allocationEnded(AllocationInfo a, Instant now) {
        for (String id : List.copyOf(byAllocation.getOrDefault(a.id(), Set.of()))) {
            TaskInfo t = tasks.get(id);
            if (t.state().terminal()) {
                continue;
            }
            if (a.state() == AllocationState.LOST) {
                put(with(t, true, TaskState.LOST, null, t.pid(), null, "agent " + a.agentName() + " was lost", t.restarts(), t.lastSeq(),
                        t.startedAt(), now));
            } else {
                stop(id, "allocation " + a.id() + " ended: " + a.state().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    public TaskInfo get(String id) {
        TaskInfo t = tasks.get(id);
        if (t == null) {
            throw new NotFound("task", id);
        }
        return t;
    }

    public TaskInfo getOrNull(String id) {
        return tasks.get(id);
    }

    public List<TaskInfo> ofAllocation(String allocationId) {
        List<TaskInfo> out = new ArrayList<>();
        for (String id : byAllocation.getOrDefault(allocationId, Set.of())) {
            out.add(tasks.get(id));
        }
        return out;
    }

    /** The tasks an agent must know about: every task placed on it that has not ended here. */
    public List<TaskInfo> ofAgent(String agentId) {
        List<TaskInfo> out = new ArrayList<>();
        for (String id : byAgent.getOrDefault(agentId, Set.of())) {
            out.add(tasks.get(id));
        }
        return out;
    }

    public Collection<TaskInfo> all() {
        return tasks.values();
    }

    /**
     * The index of the last change to any task an agent must know about (added, changed or
     * forgotten): what an agent's blocking query for its work waits on, so a change elsewhere in
     * the cluster wakes no agent.
     */
    public long agentIndex(String agentId) {
        return byAgentIndex.getOrDefault(agentId, 0L);
    }

    /** The key a blocking query on {@code agentId}'s tasks parks under: only a change to them wakes it. */
    public static String watchKey(String agentId) {
        return "tasks-of-agent/" + agentId;
    }

    /**
     * Marks every task that holds a secret as changed, without changing it: the next write
     * stores each again, sealed with the active key (after a key rotation, or over a record
     * written before secrets were sealed). Wakes no one. Returns how many.
     */
    public int rewriteSecrets() {
        int n = 0;
        for (TaskInfo t : tasks.values()) {
            if (t.spec() != null && t.spec().secrets() != null && !t.spec().secrets().isEmpty()) {
                state.changes.tasks.add(t.id());
                n++;
            }
        }
        return n;
    }

    /** The watch keys whose index moved in the changes not yet committed. */
    Set<String> touchedKeys() {
        return touchedKeys;
    }

    void restore(Collection<TaskInfo> ts) {
        ts.forEach(t -> {
            tasks.put(t.id(), t);
            byAgent.computeIfAbsent(t.agentId(), k -> new LinkedHashSet<>()).add(t.id());
            byAgentIndex.merge(t.agentId(), t.modifyIndex(), Math::max);
            byAllocation.computeIfAbsent(t.allocationId(), k -> new LinkedHashSet<>()).add(t.id());
        });
    }

    /** Forgets the tasks of a forgotten allocation. */
    void forget(String allocationId) {
        Set<String> ids = byAllocation.remove(allocationId);
        if (ids != null) {
            for (String id : ids) {
                TaskInfo gone = tasks.remove(id);
                if (gone != null) {
                    Set<String> mine = byAgent.get(gone.agentId());
                    if (mine != null && mine.remove(id) && mine.isEmpty()) {
                        byAgent.remove(gone.agentId());
                    }
                    byAgentIndex.put(gone.agentId(), state.nextIndex());
                    touchedKeys.add(watchKey(gone.agentId()));
                }
                state.removed.add(id);
            }
        }
    }

    private void put(TaskInfo t) {
        put(t, true);
    }

    /**
     * Stores {@code t}; {@code wakeAgent}: its agent's watch is woken (and the index it waits on
     * moved), as for anything the agent must act on. A change the agent itself reported does not
     * need it; it still reaches the agent's next answer with {@code since} (its modifyIndex is
     * above the agent's index), where it changes nothing.
     */
    private void put(TaskInfo t, boolean wakeAgent) {
        tasks.put(t.id(), t);
        byAgent.computeIfAbsent(t.agentId(), k -> new LinkedHashSet<>()).add(t.id());
        if (wakeAgent) {
            byAgentIndex.put(t.agentId(), state.nextIndex());
            touchedKeys.add(watchKey(t.agentId()));
        }
        byAllocation.computeIfAbsent(t.allocationId(), k -> new LinkedHashSet<>()).add(t.id());
        state.changes.tasks.add(t.id());
    }

    private TaskInfo with(TaskInfo t, boolean stop, TaskState st, Boolean healthy, Long pid, Integer exit, String reason, int restarts, long seq,
                          Instant started, Instant finished) {
        return with(t, stop, st, healthy, pid, exit, reason, restarts, seq, started, finished, t.hostFault());
    }

    private TaskInfo with(TaskInfo t, boolean stop, TaskState st, Boolean healthy, Long pid, Integer exit, String reason, int restarts, long seq,
                          Instant started, Instant finished, Boolean hostFault) {
        return new TaskInfo(t.id(), t.allocationId(), t.agentId(), t.role(), t.spec(), t.ports(), t.resources(), stop, st, healthy, pid, exit,
                reason, restarts, seq, t.createdAt(), started, finished, t.createIndex(), state.nextIndex(), hostFault);
    }
}
