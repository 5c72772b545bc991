package dev.steward.client;

import com.fasterxml.jackson.databind.JavaType;
import okhttp3.HttpUrl;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One {@link StewardClient#watchAsync}: a chain of blocking queries, each started from the answer
 * of the one before (or, after a failure, from a delayed task), until a value is done, the
 * deadline passes or the result is cancelled. No thread is held between answers.
 */
final class AsyncWatch<T> {
    /** The longest single blocking query; the allocator parks at most 5 minutes. */
    static final Duration MAX_POLL = Duration.ofSeconds(30);
    private final AsyncQueries async;
    private final HttpUrl url;
    private final JavaType type;
    private final Instant deadline;
    private final Clock clock;
    private final Predicate<T> done;
    private final Consumer<T> onChange;
    private final CompletableFuture<T> result;

    AsyncWatch(AsyncQueries async, HttpUrl url, JavaType type, Instant deadline, Clock clock, Predicate<T> done, Consumer<T> onChange,
               CompletableFuture<T> result) {
        this.async = async;
        this.url = url;
        this.type = type;
        this.deadline = deadline;
        this.clock = clock;
        this.done = done;
        this.onChange = onChange;
        this.result = result;
        // cancelling the watch (a pipeline aborted) cancels its query under way: the allocator's parked place is given back
        // at once, not at the end of the query's wait (one callback for the whole watch, not one per query)
        result.whenComplete((v, e) -> {
            CompletableFuture<?> f = inFlight;
            if (result.isCancelled() && f != null) {
                f.cancel(true);
            }
        });
    }

    /** The exchange under way: a cancelled watch cancels it (see {@link #AsyncWatch}). */
    private volatile CompletableFuture<?> inFlight;

    private void underWay(CompletableFuture<?> sent) {
        inFlight = sent;
        if (result.isCancelled()) { // cancelled as it was sent: the cancel below may have seen the exchange before
            sent.cancel(true);
        }
    }

    void poll(long index, int failures, Instant failingSince) {
        if (result.isDone()) {
            return; // cancelled, or completed by a racing answer
        }
        Duration left = Duration.between(clock.instant(), deadline);
        Duration wait = left.isNegative() ? Duration.ZERO : left.compareTo(MAX_POLL) > 0 ? MAX_POLL : left;
        async.<T>query(url, index, wait, type, this::underWay).whenComplete((r, err) -> {
            if (err != null) {
                failed(index, failures, failingSince, err instanceof CompletionException && err.getCause() != null ? err.getCause() : err);
                return;
            }
            try {
                if (index == 0 || r.index() > index) {
                    onChange.accept(r.value());
                }
                if (done.test(r.value())) {
                    result.complete(r.value());
                } else if (!clock.instant().isBefore(deadline)) {
                    result.complete(null);
                } else {
                    poll(Math.max(r.index(), 1), 0, null);
                }
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
    }

    private void failed(long index, int failures, Instant failingSince, Throwable e) {
        Instant now = clock.instant();
        Instant since = failingSince == null ? now : failingSince;
        boolean retryable = e instanceof StewardException s ? s.status() == 307 || s.status() == 429 || s.status() == 502 || s.status() == 503 || s.status() == 504
                : e instanceof IOException;
        if (!retryable || Duration.between(since, now).compareTo(async.retryBudget()) >= 0 || !now.isBefore(deadline)) {
            result.completeExceptionally(e);
            return;
        }
        long delay = Math.min(5_000, 100L << Math.min(failures, 6));
        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> poll(index, failures + 1, since));
    }
}
