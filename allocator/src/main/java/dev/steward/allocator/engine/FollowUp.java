package dev.steward.allocator.engine;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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
 * thread while they go on. At most one is pending at a time: from when it is arranged until its
 * command has run ({@link #ran}). Owner thread only.
 */
final class FollowUp {
    static final int DUTY = 4;
    static final long MIN_MILLIS = 5;
    static final long MAX_MILLIS = 1_000;
    private final ScheduledExecutorService owner;
    private final Runnable send;
    private boolean pending;

    /** {@code send} queues the follow-up command; it runs on {@code owner} when due. */
    FollowUp(ScheduledExecutorService owner, Runnable send) {
        this.owner = owner;
        this.send = send;
    }

    /** How long after a cycle of {@code cycleNanos} the follow-up is due. */
    static long delayMillis(long cycleNanos) {
        return Math.max(MIN_MILLIS, Math.min(MAX_MILLIS, cycleNanos / 1_000_000 * DUTY));
    }

    /** Whether a follow-up is arranged and its command has not run yet. */
    boolean isDue() {
        return pending;
    }

    /** The follow-up's command is running: the next cycle that cuts a pattern short may arrange another. */
    void ran() {
        pending = false;
    }

    /** After a cycle of {@code cycleNanos}: arranges a follow-up when {@code wanted} and none is due yet. */
    void after(boolean wanted, long cycleNanos) {
        if (!wanted || isDue()) {
            return;
        }
        try {
            owner.schedule(send, delayMillis(cycleNanos), TimeUnit.MILLISECONDS);
            pending = true;
        } catch (RejectedExecutionException closing) {
            pending = false; // the engine is closing: the requests are tried again at the next start
        }
    }
}
