package dev.steward.cli;

import dev.steward.api.TaskInfo;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A follow goes on through a silence, as {@code tail -F} goes on while its file is away, and says
 * so once; it reads again every {@link #PAUSE} from where it was (nothing is printed twice), and
 * says when its output can be read again. One per follow. Two silences:
 * <ul>
 *   <li>Its task's agent: the allocator answers the read with a 502 (the agent could not be
 *   reached, or failed) or a 504 (it did not answer within the read's wait and slack: a machine
 *   cut off, a process stopped or being restarted for an upgrade). The follow goes on while the
 *   task is not known to have ended. The allocator decides when an agent is lost (its heartbeat
 *   grace); its tasks are then LOST, and the follow ends saying so ({@link #ended}).</li>
 *   <li>The allocator itself, once the follow has read: its connection refused or cut, or a 503
 *   (stopping, or no leader yet), past the client's own retries: a restart for an upgrade, or a
 *   failover slower than those. A follow that has not read yet fails at once: a wrong address is
 *   not waited on. {@code --all -f} says it once, from its watch of the service's instances, and
 *   its instances' follows go on through it without a word.</li>
 * </ul>
 */
final class FollowSilence {
    /**
     * Between the reads of a follow whose output cannot be read: a pause, not a wake-up, since
     * nothing in the allocator's state changes when an agent (or the allocator) answers again.
     */
    static final Duration PAUSE = Duration.ofSeconds(2);

    private final StewardClient c;
    private final String taskId;
    private final boolean tellAllocator;
    /** What the silence said is said, to say its end; null while none is said. */
    private String again;
    private boolean readOnce;
    private TaskInfo ended;

    /** For one follow of {@code taskId}, which says the allocator's silences too. */
    FollowSilence(StewardClient c, String taskId) {
        this(c, taskId, true);
    }

    /**
     * For one follow of {@code taskId} (null: reads of no task, such as the watch of a service's
     * instances: the allocator's silences only); {@code tellAllocator} false: the allocator's
     * silences are followed through without a word, where another follow in the same command says them.
     */
    FollowSilence(StewardClient c, String taskId, boolean tellAllocator) {
        this.c = c;
        this.taskId = taskId;
        this.tellAllocator = tellAllocator;
    }

    /**
     * True when the read should be made again, after {@link #PAUSE}: {@code failed} was the
     * agent or, after a first read, the allocator not answering, and the task is not known to
     * have ended; {@code say} is told so once per silence. False when the failure is another, or
     * the task has ended ({@link #ended} then has it), for the caller to report.
     */
    boolean afterFailure(IOException failed, Consumer<String> say) throws IOException {
        String why;
        String after;
        if (taskId != null && failed instanceof StewardException e && (e.status() == 502 || e.status() == 504)) {
            TaskInfo t = c.task(taskId);
            if (t.state().terminal()) {
                ended = t;
                return false;
            }
            why = "its output cannot be read now: " + detail(e) + "; following on until it can or the task ends (Ctrl-C to stop)";
            after = "its output can be read again";
        } else if (readOnce && (!(failed instanceof StewardException) || ((StewardException) failed).status() == 503)) {
            String said = failed instanceof StewardException e ? detail(e) : failed.getMessage() != null ? failed.getMessage() : failed.toString();
            why = tellAllocator ? "the allocator cannot be reached now: " + said + "; following on until it can (Ctrl-C to stop)" : null;
            after = "the allocator answers again";
        } else {
            return false;
        }
        if (again == null && why != null) {
            again = after;
            say.accept(why);
        }
        try {
            Thread.sleep(PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to read again", e);
        }
        return true;
    }

    /** After a read that was answered: says once that it is answered again, after a silence that was said. */
    void answered(Consumer<String> say) {
        readOnce = true;
        if (again != null) {
            say.accept(again);
            again = null;
        }
    }

    /** The task, when a silence of its agent found it ended; else null. */
    TaskInfo ended() {
        return ended;
    }

    /** How an ended task ended, for the line that ends its follow: {@code lost, agent m1 was lost}. */
    static String how(TaskInfo t) {
        return t.state().name().toLowerCase() + (t.reason() == null ? "" : ", " + t.reason());
    }

    /** The allocator's reason, without its advice to try again (the follow does). */
    private static String detail(StewardException e) {
        String detail = e.problem() != null && e.problem().detail() != null ? e.problem().detail() : e.getMessage();
        return detail.endsWith("; try again") ? detail.substring(0, detail.length() - "; try again".length()) : detail;
    }
}
