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
 *   reached, or failed), a 504 (it did not answer within the read's wait and slack: a machine
 *   cut off, a process stopped or being restarted for an upgrade) or the agent's own 503 (its
 *   follows at their limit), which the allocator marks as the agent's ({@code Problem.AGENT}). The follow goes on while the
 *   task is not known to have ended. The allocator decides when an agent is lost (its heartbeat
 *   grace); its tasks are then LOST, and the follow ends saying so ({@link #ended}).</li>
 *   <li>The allocator itself, once the follow has read: its connection refused or cut, or a 503
 *   (stopping, or no leader yet), past the client's own retries: a restart for an upgrade, or a
 *   failover slower than those; also when it stops just as it answers an agent's silence. A follow that has not read yet fails at once: a wrong address is
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
        if (taskId != null && agentSilent(failed)) {
            TaskInfo t;
            try {
                t = c.task(taskId);
            } catch (IOException look) {
                if (!allocatorSilent(look)) {
                    throw look;
                }
                return pause(allocatorWords(look), say); // the allocator went silent too, as it answered the agent's silence: both go on
            }
            if (t.state().terminal()) {
                ended = t;
                return false;
            }
            return pause(new String[] {"its output cannot be read now: " + detail((StewardException) failed)
                    + "; following on until it can or the task ends (Ctrl-C to stop)", "its output can be read again"}, say);
        }
        if (readOnce && allocatorSilent(failed)) {
            return pause(allocatorWords(failed), say);
        }
        return false;
    }

    /** A read the allocator answered for the agent: it could not reach it (502), had no answer in time (504), or the agent's own 503. */
    private static boolean agentSilent(IOException f) {
        return f instanceof StewardException e && (e.status() == 502 || e.status() == 504
                || e.status() == 503 && e.problem() != null && e.problem().fromAgent());
    }

    /** The allocator not answering: its connection refused or cut, or its own 503 (stopping, no leader yet), past the client's retries. */
    private static boolean allocatorSilent(IOException f) {
        return !(f instanceof StewardException e) || e.status() == 503 && (e.problem() == null || !e.problem().fromAgent());
    }

    /** What to say of the allocator's silence {@code f} (null where another follow says it), and of its end. */
    private String[] allocatorWords(IOException f) {
        String said = f instanceof StewardException e ? detail(e) : f.getMessage() != null ? f.getMessage() : f.toString();
        return new String[] {tellAllocator ? "the allocator cannot be reached now: " + said + "; following on until it can (Ctrl-C to stop)" : null,
                "the allocator answers again"};
    }

    /** Says {@code words[0]} once per silence (its end, {@code words[1]}, once it is answered), then pauses; true. */
    private boolean pause(String[] words, Consumer<String> say) throws IOException {
        if (again == null && words[0] != null) {
            again = words[1];
            say.accept(words[0]);
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
