package dev.steward.allocator.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.Scheduler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An answer's write held to the slowest rate ({@link BodyRate}, the same as bodies'): an answer
 * of {@code length} bytes must be out within the grace and {@code length} at the rate, or its
 * connection is closed, which fails the write and gives back the request's place. So a client
 * that reads its answer a few bytes at a time, to keep the write from going idle, cannot hold a
 * place for longer than that. A write that completes at once (nearly all of them: the answer
 * fits the socket's buffers) never starts a timer.
 */
final class TimedWrite implements Callback {
    private final Request request;
    private final Callback callback;
    private final long start = System.nanoTime();
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Scheduler.Task task;

    private TimedWrite(Request request, Callback callback) {
        this.request = request;
        this.callback = callback;
    }

    /** The callback to give the write; {@link #written} once the write has been started. */
    static TimedWrite around(Request request, Callback callback) {
        return new TimedWrite(request, callback);
    }

    /** After the write was started: unless it is already out, the timer that ends it at its deadline. */
    void written(BodyRate rate, long length) {
        if (done.get()) {
            return;
        }
        long in = Math.max(0, rate.dueNanos(Math.max(0, length - 1)) - (System.nanoTime() - start));
        task = request.getComponents().getScheduler().schedule(() -> expire(rate, length), in, TimeUnit.NANOSECONDS);
        if (done.get()) {
            task.cancel();
        }
    }

    /** For a write that blocks its thread: closes the connection if the answer is not out by its deadline; close the result after. */
    static AutoCloseable deadline(Request request, BodyRate rate, long length) {
        TimedWrite w = new TimedWrite(request, Callback.NOOP);
        w.written(rate, length);
        return w::succeeded;
    }

    private void expire(BodyRate rate, long length) {
        if (done.get()) {
            return;
        }
        request.getConnectionMetaData().getConnection().getEndPoint().close(new TimeoutException("the answer of " + length
                + " bytes was read too slowly: below the minimum of " + rate.bytesPerSecond() + " bytes a second"));
    }

    @Override
    public void succeeded() {
        if (done.compareAndSet(false, true)) {
            cancel();
            callback.succeeded();
        }
    }

    @Override
    public void failed(Throwable x) {
        if (done.compareAndSet(false, true)) {
            cancel();
            callback.failed(x);
        }
    }

    private void cancel() {
        Scheduler.Task t = task;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public InvocationType getInvocationType() {
        return callback.getInvocationType();
    }
}
