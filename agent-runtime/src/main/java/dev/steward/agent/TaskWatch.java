package dev.steward.agent;

import dev.steward.api.TaskInfo;
import dev.steward.api.TaskState;
import dev.steward.client.Indexed;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Watches an agent's tasks with blocking queries, on a thread of its own, and hands what it
 * reads to the agent's loop. After a whole list, each query asks only for the tasks changed since
 * the last answer ({@code since}), so a burst of launches costs each answer what changed rather
 * than every task; a whole list is read again at {@link #WHOLE_LIST_EVERY}, after an error, and
 * when the allocator's index went back (a restored state). Reports of a running task do not wake
 * it (the agent has their answers); the tasks they changed come once in the next answer, and
 * {@code since} moves past them.
 */
final class TaskWatch {
    /** How often the watch reads every task, not only the changed ones: what it learns only from a whole list (a task the allocator forgot). */
    static final Duration WHOLE_LIST_EVERY = Duration.ofMinutes(1);

    private final AllocatorClient client;
    private final String agentId;
    private final LaunchTimes launches;
    private final BooleanSupplier closed;
    private final Consumer<List<TaskInfo>> whole;
    private final Consumer<List<TaskInfo>> changed;

    /** {@code whole} gets every task of the agent, {@code changed} only some; both are to hand the tasks to the loop thread. */
    TaskWatch(AllocatorClient client, String agentId, LaunchTimes launches, BooleanSupplier closed, Consumer<List<TaskInfo>> whole,
              Consumer<List<TaskInfo>> changed) {
        this.client = client;
        this.agentId = agentId;
        this.launches = launches;
        this.closed = closed;
        this.whole = whole;
        this.changed = changed;
    }

    void run() {
        long index = 0; // the index of this agent's tasks in the last answer
        long since = 0; // the newest change seen: that index, or a task's own (a report of ours moves a task, not that index)
        long backoff = 200;
        long wholeAt = 0;
        while (!closed.getAsBoolean()) {
            try {
                boolean all = index == 0 || System.nanoTime() - wholeAt > WHOLE_LIST_EVERY.toNanos();
                Indexed<List<TaskInfo>> r = client.agentTasks(agentId, all ? index : since, Duration.ofSeconds(30), all ? -1 : since);
                long at = System.nanoTime();
                if (r.index() < index) {
                    index = 0; // the allocator's state went back (restored): what changed since our index means nothing now
                    since = 0;
                    continue;
                }
                index = r.index();
                since = Math.max(since, index);
                if (all) {
                    wholeAt = at;
                }
                List<TaskInfo> tasks = r.value();
                for (TaskInfo t : tasks) {
                    since = Math.max(since, t.modifyIndex());
                    if (t.state() == TaskState.PENDING && !t.stopRequested()) {
                        launches.stamp(t.id(), LaunchTimes.Stage.RECEIVED, at);
                    }
                }
                (all ? whole : changed).accept(tasks);
                backoff = 200;
            } catch (IOException e) {
                if (closed.getAsBoolean()) {
                    return;
                }
                Reporter.pause(backoff);
                backoff = Math.min(5000, backoff * 2);
                index = 0; // the allocator may have restarted: read the whole state again
                since = 0;
            }
        }
    }
}
