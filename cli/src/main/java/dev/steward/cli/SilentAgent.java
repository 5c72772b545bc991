package dev.steward.cli;

import dev.steward.api.TaskInfo;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A follow whose task's agent stops answering goes on while the task is not known to have ended,
 * as {@code tail -F} goes on while its file is away. The allocator answers such a read with a
 * 502 (the agent could not be reached, or failed) or a 504 (it did not answer within the read's
 * wait and slack: a machine cut off, a process stopped or being restarted for an upgrade). The
 * follow says so once, reads again every {@link #PAUSE} from where it was (nothing is printed
 * twice), and says when the agent answers again. The allocator decides when an agent is lost (its
 * heartbeat grace); its tasks are then LOST, and the follow ends saying so. One per follow.
 */
final class SilentAgent {
    /** Between the reads of a follow whose agent does not answer. */
    static final Duration PAUSE = Duration.ofSeconds(2);

    private final StewardClient c;
    private final String taskId;
    private boolean silent;
    private TaskInfo ended;

    /** For one follow of {@code taskId}. */
    SilentAgent(StewardClient c, String taskId) {
        this.c = c;
        this.taskId = taskId;
    }

    /**
     * True when the read should be made again, after {@link #PAUSE}: {@code refused} was the
     * agent not answering and the task has not ended; {@code say} is told so once per silence.
     * False when the refusal is another, or the task has ended ({@link #ended} then has it), for
     * the caller to report.
     */
    boolean afterSilence(StewardException refused, Consumer<String> say) throws IOException {
        if (refused.status() != 502 && refused.status() != 504) {
            return false;
        }
        TaskInfo t = c.task(taskId);
        if (t.state().terminal()) {
            ended = t;
            return false;
        }
        if (!silent) {
            silent = true;
            say.accept("its output cannot be read now: " + why(refused) + "; following on until it can or the task ends (Ctrl-C to stop)");
        }
        try {
            Thread.sleep(PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the agent", e);
        }
        return true;
    }

    /** After a read the agent answered: says once that the output can be read again, after a silence. */
    void answered(Consumer<String> say) {
        if (silent) {
            silent = false;
            say.accept("its output can be read again");
        }
    }

    /** The task, when a silence found it ended; else null. */
    TaskInfo ended() {
        return ended;
    }

    /** How an ended task ended, for the line that ends its follow: {@code lost, agent m1 was lost}. */
    static String how(TaskInfo t) {
        return t.state().name().toLowerCase() + (t.reason() == null ? "" : ", " + t.reason());
    }

    /** The allocator's reason, without its advice to try again (the follow does). */
    private static String why(StewardException e) {
        String detail = e.problem() != null && e.problem().detail() != null ? e.problem().detail() : e.getMessage();
        return detail.endsWith("; try again") ? detail.substring(0, detail.length() - "; try again".length()) : detail;
    }
}
