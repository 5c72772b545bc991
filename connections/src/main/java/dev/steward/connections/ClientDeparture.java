package dev.steward.connections;

import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.util.concurrent.CancellationException;

/**
 * Watches the connection of a request that waits (the allocator's parked queries and log
 * follows, an agent's log follows) for its client leaving. Over HTTP/1.1 Jetty reads nothing from
 * a connection while its request is being answered, so a client that closes its connection while
 * its request waits (a pipeline aborted as it watched a rollout, a {@code steward logs -f} stopped
 * with Ctrl-C) was noticed only when the answer was written, up to the wait (5 minutes) later:
 * until then it held its places (of its class, of its token's share, of the follows), and a
 * client run again at once found them still taken. This asks the connection for readability
 * while the request waits, and reads at most one byte when it is readable:
 * <ul>
 *   <li>the end of the stream (the client closed, or shut its side down) or an error: the client
 *       has gone, and {@code onGone} runs once;</li>
 *   <li>a byte: the client sent its next request before this answer (HTTP/1.1 pipelining). That
 *       byte cannot be given back to the parser, so watching stops and the answer closes the
 *       connection ({@link #stop} says so): a pipelining client sends again what was not
 *       answered, as RFC 9112 section 9.3.2 asks of it.</li>
 * </ul>
 * {@link #stop} must be called before the answer is written: once the answer is out, Jetty asks
 * the connection for readability itself, and only one may ask at a time.
 */
public final class ClientDeparture implements Callback {
    private final EndPoint endPoint;
    private final Runnable onGone;
    private boolean stopped;
    /** Readability asked for and not yet answered. */
    private boolean interested;
    /** A readable connection being read, on another thread: {@link #stop} waits for it (a non-blocking read of one byte). */
    private boolean reading;
    /** A byte of a next request was read: the connection closes after the answer. */
    private boolean pipelined;
    private boolean gone;

    private ClientDeparture(EndPoint endPoint, Runnable onGone) {
        this.endPoint = endPoint;
        this.onGone = onGone;
    }

    /** Begins watching {@code endPoint}; {@code onGone} runs at most once, on a thread of the server's pool, and ends the watch. */
    public static ClientDeparture watch(EndPoint endPoint, Runnable onGone) {
        ClientDeparture d = new ClientDeparture(endPoint, onGone);
        if (endPoint instanceof AbstractEndPoint) { // every endpoint of Jetty's: its request for readability can be withdrawn
            d.ask();
        }
        return d;
    }

    /** Asks for readability, under the lock so that {@link #stop} never misses a request made as it runs. */
    private synchronized void ask() {
        if (stopped) {
            return;
        }
        interested = true;
        if (!endPoint.tryFillInterested(this)) { // something else reads this connection (never, for a request with no body): nothing to watch
            interested = false;
        }
    }

    /** The connection is readable. */
    @Override
    public void succeeded() {
        synchronized (this) {
            interested = false;
            if (stopped) {
                return;
            }
            reading = true;
        }
        int n;
        try {
            n = endPoint.fill(BufferUtil.allocate(1));
        } catch (IOException e) {
            n = -1;
        }
        boolean again = false;
        boolean left = false;
        synchronized (this) {
            reading = false;
            if (n < 0) {
                left = !gone;
                gone = true;
                stopped = true; // nothing more to watch
            } else if (n == 0) {
                again = !stopped; // a TLS record with no data in it, or a wake-up with nothing to read
            } else {
                pipelined = true;
            }
            notifyAll();
        }
        if (left) {
            onGone.run();
        } else if (again) {
            ask();
        }
    }

    /** Readability can no longer come: the connection failed or was closed, or {@link #stop} withdrew the request. */
    @Override
    public void failed(Throwable x) {
        boolean left;
        synchronized (this) {
            interested = false;
            left = !stopped && !gone;
            gone |= left;
            stopped = true;
        }
        if (left) {
            onGone.run();
        }
    }

    /** Runs on a thread of the pool, never on the selector: what runs when a client has gone may take a while. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.BLOCKING;
    }

    /**
     * Stops watching, before the answer is written: withdraws the request for readability, and
     * waits for a read under way to end. Returns true when the connection must close after the
     * answer (a byte of a next request was read).
     */
    public synchronized boolean stop() {
        stopped = true;
        while (reading) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (interested) { // our own request, the only one while the query waits: failed() sees stopped
            ((AbstractEndPoint) endPoint).getFillInterest().onFail(new CancellationException("the query was answered"));
        }
        return pipelined;
    }

    /** Whether the client was seen to leave (the connection's end of stream, or its failure). */
    public synchronized boolean gone() {
        return gone;
    }
}
