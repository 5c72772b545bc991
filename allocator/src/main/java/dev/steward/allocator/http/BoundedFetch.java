package dev.steward.allocator.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request the allocator sends to something it does not control (an agent's log server, a
 * task's metrics endpoint), answered whole within a time and a size, or not at all. The JDK's
 * request timeout covers only the wait for the response's head: a peer that sends its head
 * and then its body a byte at a time, or without end, would hold the caller for ever and fill
 * its memory. Here the whole exchange has a deadline, after which it is cancelled (its
 * connection closed), and a body above the bound (declared or sent) is refused as soon as it
 * is seen. Nothing waits on a thread: the answer is a future.
 */
public final class BoundedFetch {
    /** Where every fetch's deadline waits; a fetch answered in time takes its deadline out at once. */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor DEADLINES = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "steward-fetch-deadline");
        t.setDaemon(true);
        return t;
    });

    static {
        DEADLINES.setRemoveOnCancelPolicy(true);
    }

    private BoundedFetch() {
    }

    /**
     * An executor for an {@code HttpClient} whose answers go through here: the JDK's default is an
     * unbounded cached pool, which a burst of answers (4,096 follows at once) would grow without
     * limit. Four threads, whose work is a callback each (nothing here blocks), none kept while idle.
     */
    public static java.util.concurrent.ExecutorService pool(String name) {
        java.util.concurrent.ThreadPoolExecutor p = new java.util.concurrent.ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /**
     * A client for agents' answers: connect timeout 5 s, its callbacks on {@link #pool}; {@code tls}
     * to reach agents that serve HTTPS (trust their CA, present the allocator's certificate), or
     * null for the JDK's defaults.
     */
    static java.net.http.HttpClient agentClient(String poolName, javax.net.ssl.SSLContext tls) {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).executor(pool(poolName));
        if (tls != null) {
            b.sslContext(tls);
        }
        return b.build();
    }

    /** Deadlines still waiting (for tests). */
    static int pendingDeadlines() {
        return DEADLINES.getQueue().size();
    }

    /** The peer did not send its whole answer within the time allowed. */
    public static final class TooSlow extends IOException {
        TooSlow(Duration within) {
            super("did not answer within " + dev.steward.api.Units.format(within));
        }
    }

    /** The peer's answer is larger than the bound. */
    public static final class TooLarge extends IOException {
        TooLarge(long max, String how) {
            super(how + " a body above the limit of " + max + " bytes");
        }
    }

    /**
     * Sends {@code request} and reads its body whole: completes with the response, or fails with
     * {@link TooSlow} once {@code within} has passed, {@link TooLarge} for a body above
     * {@code maxBytes}, or the transport's own error. Either failure cancels the exchange.
     */
    public static CompletableFuture<HttpResponse<byte[]>> send(HttpClient http, HttpRequest request, long maxBytes, Duration within) {
        return send(http, request, maxBytes, within, new CompletableFuture<>());
    }

    /**
     * As above; when {@code abandoned} completes first (the caller's own client has gone), the
     * exchange is cancelled and its connection closed, so the peer stops waiting for it too.
     */
    public static CompletableFuture<HttpResponse<byte[]>> send(HttpClient http, HttpRequest request, long maxBytes, Duration within,
                                                               CompletionStage<?> abandoned) {
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request, info -> new Capped(maxBytes,
                info.headers().firstValueAsLong("Content-Length").orElse(-1)));
        AtomicBoolean late = new AtomicBoolean();
        java.util.concurrent.ScheduledFuture<?> deadline = DEADLINES.schedule(() -> {
            if (!exchange.isDone() && late.compareAndSet(false, true)) {
                exchange.cancel(true); // the JDK's client aborts the exchange and closes its connection
            }
        }, within.toNanos(), TimeUnit.NANOSECONDS);
        abandoned.thenRun(() -> exchange.cancel(true));
        CompletableFuture<HttpResponse<byte[]>> answer = new CompletableFuture<>(); // fails with the cause itself, not a wrapper
        exchange.whenComplete((r, err) -> {
            deadline.cancel(false); // taken out of the queue at once: it would otherwise hold the answer (up to the bound) until it fell due
            if (err == null) {
                answer.complete(r);
                return;
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (late.get()) {
                cause = new TooSlow(within);
            } else if (cause instanceof java.net.http.HttpTimeoutException) {
                cause = new TooSlow(request.timeout().orElse(within));
            } else if (cause.getCause() instanceof TooLarge tooLarge) {
                cause = tooLarge;
            }
            answer.completeExceptionally(cause);
        });
        return answer;
    }

    /** Collects a body up to {@code max} bytes; above that, cancels its subscription and fails. */
    private static final class Capped implements HttpResponse.BodySubscriber<byte[]> {
        private final long max;
        private final long declared;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        Capped(long max, long declared) {
            this.max = max;
            this.declared = declared;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declared > max) {
                s.cancel();
                body.completeExceptionally(new TooLarge(max, "declared"));
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (bytes.size() + (long) b.remaining() > max) {
                    subscription.cancel();
                    body.completeExceptionally(new TooLarge(max, "sent"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }
}
