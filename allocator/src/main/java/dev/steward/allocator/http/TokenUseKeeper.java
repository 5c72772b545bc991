package dev.steward.allocator.http;

import dev.steward.allocator.auth.TokenUse;
import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.state.TokenRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Notes each use of a stored token ({@link TokenUse}, in memory, for the listing) and keeps it in
 * the store to the hour, so the admin's listing still says when a role or join token was last used
 * after the allocator restarts or another server leads: a token unused for months is one to
 * revoke, and a restart must not make it look new. A use is written once it is an hour
 * ({@link #KEEP_EVERY}) after the one stored, or when none is: at most one write per token an
 * hour, whatever its traffic, and one such write at a time. Only a call that succeeded writes (a
 * refused call changes nothing stored), and its answer waits for that write, about a millisecond
 * once an hour per token, so no write lands after the answer that caused it. Agents' tokens are
 * not kept: their use is their heartbeat, and 10,000 agents would be 10,000 writes an hour for
 * nothing.
 */
final class TokenUseKeeper {
    /** How much older than a use the stored one may be before the use is written. */
    static final Duration KEEP_EVERY = Duration.ofHours(1);
    private final TokenUse use;
    private final Engine engine;
    private final AtomicBoolean writing = new AtomicBoolean();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    TokenUseKeeper(TokenUse use, Engine engine) {
        this.use = use;
        this.engine = engine;
    }

    /** Whether a use at {@code at} is to be written over the stored one ({@code stored}, null: none). */
    static boolean due(Instant at, Instant stored) {
        return stored == null || !at.isBefore(stored.plus(KEEP_EVERY));
    }

    /** Token {@code t} was used at {@code at} from {@code from}: noted in memory. */
    void used(TokenRecord t, Instant at, String from) {
        use.used(t.hash(), at, from);
    }

    /**
     * After a call by {@code t} that succeeded (a refused one writes nothing): writes its last use
     * when it is due, unless a write is under way (then it is due again at its next call).
     * Completes once the write is durable, or at once when there is none.
     */
    CompletableFuture<Void> keep(TokenRecord t) {
        TokenUse.Use last = use.last(t.hash());
        if (t.kind() == TokenRecord.Kind.AGENT || last == null || !due(last.at(), t.lastUsedAt()) || !writing.compareAndSet(false, true)) {
            return DONE;
        }
        try {
            return engine.command((s, now) -> {
                s.noteTokenUse(t.hash(), last.at(), last.from());
                return (Void) null;
            }).whenComplete((r, e) -> writing.set(false)); // a failed write (the store out, the engine closed) is tried again at a later call
        } catch (RuntimeException e) {
            writing.set(false);
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The last use to list: the one seen since start, or else the one stored. */
    static TokenUse.Use last(TokenRecord t, TokenUse.Use seen) {
        if (seen != null && (t.lastUsedAt() == null || !seen.at().isBefore(t.lastUsedAt()))) {
            return seen;
        }
        return t.lastUsedAt() == null ? seen : new TokenUse.Use(t.lastUsedAt(), t.lastUsedFrom());
    }
}
