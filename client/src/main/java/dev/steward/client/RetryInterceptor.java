package dev.steward.client;

import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/**
 * Retries idempotent calls (GET, PUT, DELETE, and POSTs the caller marks with
 * {@code X-Steward-Idempotent}) after a connection failure or a 502/503/504, with exponential
 * backoff from {@code base} up to {@code max}, for at most {@code budget} in all. Other calls fail
 * at once: retrying them could do twice what was asked once. A follower's 307 naming a leader
 * that could not be reached yet (a failover under way), and a 503 that says the request was not
 * applied ({@code X-Steward-Not-Applied}: an allocator waiting for room on its disk, or stopping),
 * are retried for any call: nothing was done with it.
 */
final class RetryInterceptor implements Interceptor {
    static final String IDEMPOTENT = "X-Steward-Idempotent";
    static final String NOT_APPLIED = "X-Steward-Not-Applied";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "PUT", "DELETE");
    private final Duration base;
    private final Duration max;
    private final Duration budget;

    RetryInterceptor(Duration base, Duration max, Duration budget) {
        this.base = base;
        this.max = max;
        this.budget = budget;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request req = chain.request();
        boolean idempotent = SAFE.contains(req.method()) || req.header(IDEMPOTENT) != null;
        long deadline = System.nanoTime() + budget.toNanos();
        long delay = base.toMillis();
        while (true) {
            IOException failure = null;
            Response resp = null;
            try {
                resp = chain.proceed(req);
            } catch (IOException e) {
                failure = e;
            }
            boolean retryable = failure != null || (resp.code() == 502 || resp.code() == 503 || resp.code() == 504);
            // a follower's 307 to a leader that could not be reached (a failover under way): the follower did nothing, so any call may go again
            boolean unacted = resp != null && (resp.code() == 307 && resp.header(Servers.LEADER_HEADER) != null
                    || resp.code() == 503 && "true".equals(resp.header(NOT_APPLIED)));
            if (!(idempotent && retryable || unacted) || System.nanoTime() + delay * 1_000_000 > deadline) {
                if (failure != null) {
                    throw failure;
                }
                return resp;
            }
            if (resp != null) {
                resp.close();
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting to retry " + req.method() + " " + req.url(), e);
            }
            delay = Math.min(max.toMillis(), delay * 2);
        }
    }
}
