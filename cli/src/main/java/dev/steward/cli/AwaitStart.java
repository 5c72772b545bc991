package dev.steward.cli;

import dev.steward.api.TaskInfo;
import dev.steward.api.TaskState;
import dev.steward.client.Paths;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A follow of a task its agent has not started yet waits for it, as the dashboard's output page
 * does: a read of such a task is a 404 (its agent has no directory for it yet), which a follow
 * takes as "wait", not as the end. The wait is a blocking query on the task, so the follow goes
 * on as soon as the task leaves PENDING, with no polling in between.
 */
final class AwaitStart {
    /** One blocking query's longest wait for the task to leave PENDING; another follows until it does. */
    private static final Duration ROUND = Duration.ofMinutes(5);

    private AwaitStart() {
    }

    /**
     * True once the task has left PENDING, when {@code refused} was the allocator saying it has
     * not started on its agent yet ({@code waiting} is told the task as it waits, once); false
     * when the refusal is another (the task is unknown, or has ended and its output is gone),
     * for the caller to report.
     */
    static boolean afterRefusal(StewardClient c, String taskId, StewardException refused, Consumer<TaskInfo> waiting) throws IOException {
        if (refused.status() != 404) {
            return false;
        }
        TaskInfo t = c.task(taskId);
        if (t.state() != TaskState.PENDING) {
            return false;
        }
        waiting.accept(t);
        while (c.watch(Paths.v1("tasks", taskId), TaskInfo.class, ROUND, x -> x.state() != TaskState.PENDING, x -> { }) == null) {
            // still pending after a round: wait on (Ctrl-C ends the follow)
        }
        return true;
    }

    /** What a follow says while it waits: {@code subject} ("task ID", "instance ID") has not started, and why when the allocator said. */
    static String waitingLine(String subject, TaskInfo t) {
        return "(" + subject + " has not started yet" + (t.reason() == null ? "" : ": " + t.reason()) + "; waiting for it)";
    }
}
