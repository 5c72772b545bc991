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
 * on as soon as the task leaves PENDING, with no polling in between. One per follow: it reads a
 * refusal again once when the task started between the read and the look at it.
 */
final class AwaitStart {
    /** One blocking query's longest wait for the task to leave PENDING; another follows until it does. */
    private static final Duration ROUND = Duration.ofMinutes(5);

    private final StewardClient c;
    private final String taskId;
    /** A refusal was already read again because the task had started meanwhile: the next is the agent's answer. */
    private boolean readAgain;

    /** For one follow of {@code taskId}. */
    AwaitStart(StewardClient c, String taskId) {
        this.c = c;
        this.taskId = taskId;
    }

    /**
     * True when the read should be made again: once the task has left PENDING, when
     * {@code refused} was the allocator saying it has not started on its agent yet
     * ({@code waiting} is told the task as it waits, once); and once, when the task had already
     * left PENDING by the time it was looked at (it started, or even ended, between the refused
     * read and the look, and its output is there now). False when the refusal is another (the
     * task is unknown, or has ended and its output is gone), for the caller to report.
     */
    boolean afterRefusal(StewardException refused, Consumer<TaskInfo> waiting) throws IOException {
        if (refused.status() != 404) {
            return false;
        }
        TaskInfo t = c.task(taskId);
        if (t.state() != TaskState.PENDING) {
            boolean again = !readAgain;
            readAgain = true;
            return again;
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
