package dev.steward.allocator.engine;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The follow-up cycle for requests whose regex constraints were cut short: a role's patterns
 * read at most {@link dev.steward.allocator.placement.RegexWork#PER_ROLE_PER_CYCLE} characters
 * per cycle, so on a large cluster a costly pattern reaches its agents over several cycles.
 * Without a follow-up, the rest would wait for room to grow (a release, an agent joining), which
 * on a quiet cluster may be never.
 *
 * <p>The follow-up is a command like any other, queued behind the clients' and agents' commands
 * waiting then, and due {@link #DUTY} times the last cycle's length later (at least {@link
 * #MIN_MILLIS}, at most {@link #MAX_MILLIS}): the patterns take at most about a fifth of the owner
 * thread while they go on. At most one is due at a time. Owner thread only.
 */
final class FollowUp {
    static final int DUTY = 4;
    static final long MIN_MILLIS = 5;
    static final long MAX_MILLIS = 1_000;
    private final ScheduledExecutorService owner;
    private final Runnable send;
    private ScheduledFuture<?> due;

    /** {@code send} queues the follow-up command; it runs on {@code owner} when due. */
    FollowUp(ScheduledExecutorService owner, Runnable send) {
        this.owner = owner;
        this.send = send;
    }

    /** How long after a cycle of {@code cycleNanos} the follow-up is due. */
    static long delayMillis(long cycleNanos) {
        return Math.max(MIN_MILLIS, Math.min(MAX_MILLIS, cycleNanos / 1_000_000 * DUTY));
    }

    /** Whether a follow-up is due and has not run yet. */
    boolean isDue() {
        return due != null && !due.isDone();
    }

    /** After a cycle of {@code cycleNanos}: arranges a follow-up when {@code wanted} and none is due yet. */
    void after(boolean wanted, long cycleNanos) {
        if (!wanted || isDue()) {
            return;
        }
        try {
            due = owner.schedule(send, delayMillis(cycleNanos), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            due = null; // the engine is closing: the requests are tried again at the next start
        }
    }
}
