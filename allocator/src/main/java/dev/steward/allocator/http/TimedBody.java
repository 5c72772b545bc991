package dev.steward.allocator.http;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request's body as its handler reads it, held to a {@link BodyRate}: a timer checks, each
 * time the bytes so far stop being enough, whether more came; if not, the body fails with a
 * {@link TimeoutException} (the reader, parked or blocked, wakes to it) and {@link #refusal}
 * says why. Only this wrapper fails: the connection is left to Jetty, which closes it after the
 * answer since the body was not read to its end. One timer task per body that is still arriving.
 */
final class TimedBody implements Content.Source {
    private final Request request;
    private final BodyRate rate;
    private final Scheduler scheduler;
    private final long start = System.nanoTime();
    private final AtomicLong received = new AtomicLong();
    /** The reader's demand not yet served (null when none): served once, by Jetty or by the timer. */
    private final AtomicReference<Runnable> demand = new AtomicReference<>();
    private volatile String refusal;
    private volatile boolean stopped;
    private Scheduler.Task task; // guarded by this
    private boolean timing; // guarded by this: a check is scheduled (each check schedules the next)

    private TimedBody(Request request, BodyRate rate) {
        this.request = request;
        this.rate = rate;
        this.scheduler = request.getComponents().getScheduler();
    }

    /**
     * Times {@code request}'s body from now; {@link #stop} once it has been read, or the request
     * is answered. The timer starts only when the reader first has to wait: a body that came
     * with its head (nearly all of them) costs no timer at all.
     */
    static TimedBody start(Request request, BodyRate rate) {
        return new TimedBody(request, rate);
    }

    /** Why the body was refused, or null while it keeps up. */
    String refusal() {
        return refusal;
    }

    /** Stops the timer: the body is read, or no longer wanted. */
    void stop() {
        synchronized (this) {
            stopped = true;
            if (task != null) {
                task.cancel();
            }
        }
    }

    private void schedule(long received) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            timing = true;
            long in = Math.max(0, rate.dueNanos(received) - (System.nanoTime() - start));
            task = scheduler.schedule(this::check, in, TimeUnit.NANOSECONDS);
        }
    }

    private void check() {
        if (stopped) {
            return;
        }
        long got = received.get();
        long elapsed = System.nanoTime() - start;
        if (!rate.behind(got, elapsed)) {
            schedule(got);
            return;
        }
        refusal = rate.refusal(got, request.getLength(), elapsed);
        stop();
        Runnable waiting = demand.getAndSet(null);
        if (waiting != null) {
            waiting.run(); // the reader wakes, reads, and gets the failure
        }
    }

    @Override
    public Content.Chunk read() {
        if (refusal != null) {
            return Content.Chunk.from(new TimeoutException(refusal), true);
        }
        Content.Chunk c = request.read();
        if (c != null && c.hasRemaining()) {
            received.addAndGet(c.remaining());
        }
        if (c != null && c.isLast()) {
            stop();
        }
        return c;
    }

    @Override
    public void demand(Runnable onContent) {
        if (refusal != null) {
            onContent.run();
            return;
        }
        demand.set(onContent);
        boolean first;
        synchronized (this) {
            first = !timing;
        }
        if (first) {
            schedule(received.get());
        }
        request.demand(() -> {
            Runnable waiting = demand.getAndSet(null);
            if (waiting != null) {
                waiting.run();
            }
        });
    }

    @Override
    public void fail(Throwable failure) {
        stop();
        request.fail(failure);
    }

    @Override
    public long getLength() {
        return request.getLength();
    }
}
