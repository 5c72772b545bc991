package dev.steward.connections;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which connection gives way when every one of the server's connections is taken: the decision
 * alone, with no socket in it ({@link ConnectionGuard} carries it out on Jetty's connections).
 *
 * <p>A connection that carried a successful request from a peer to keep (an agent's, on the
 * allocator; the allocator's signed requests, on an agent's log server) is kept: never taken. Nor is one whose request
 * is being served: a client's parked query or transfer, which the traffic classes already bound.
 * Every other connection is idle: between requests, or still sending a request head that has not
 * come whole. When a new connection would go past the limit, the idle connection that has been
 * idle longest is closed to make room for it; when no connection is idle, the new one is
 * refused. So hosts that open connections and trickle their request heads, however many hosts,
 * can hold only connections that each newcomer takes from them, and an agent whose connection
 * was closed (or that starts again) always gets a new one.
 *
 * @param <K> what names a connection (Jetty's connection; any key in tests)
 */
public final class ConnectionBudget<K> {
    /** What to do with a connection just opened. */
    public sealed interface Admission<K> permits Fits, Evict, Refuse {
    }

    /** Within the limit: nothing to close. */
    public record Fits<K>() implements Admission<K> {
    }

    /** Admitted in place of {@code victim}, which is to be closed. */
    public record Evict<K>(K victim) implements Admission<K> {
    }

    /** Refused: every other connection is kept or busy; close the new one. */
    public record Refuse<K>() implements Admission<K> {
    }

    private static final class State {
        boolean kept;
        int busy;
    }

    private final int max;
    private final Map<K, State> open = new HashMap<>();
    /** The connections that may be taken, the one idle longest first. */
    private final LinkedHashMap<K, Boolean> idle = new LinkedHashMap<>();
    private long evicted;
    private long refused;

    public ConnectionBudget(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the connection limit must be at least 1");
        }
        this.max = max;
    }

    /** A connection was opened: it fits, or takes the place of the connection idle longest, or is refused. */
    public synchronized Admission<K> opened(K k) {
        if (open.containsKey(k)) {
            return new Fits<>();
        }
        K victim = null;
        if (open.size() >= max) {
            Iterator<K> oldest = idle.keySet().iterator();
            if (!oldest.hasNext()) {
                refused++;
                return new Refuse<>();
            }
            victim = oldest.next();
            oldest.remove();
            open.remove(victim);
            evicted++;
        }
        open.put(k, new State());
        idle.put(k, Boolean.TRUE);
        return victim == null ? new Fits<>() : new Evict<>(victim);
    }

    /** A request on {@code k} is being served: it may not be taken until it ends. */
    public synchronized void began(K k) {
        State s = open.get(k);
        if (s != null) {
            s.busy++;
            idle.remove(k);
        }
    }

    /**
     * A request on {@code k} ended; {@code kept} when it came from a peer to keep and succeeded,
     * which keeps the connection for as long as it lasts. Otherwise, once nothing on it is
     * served, it is the newest idle connection.
     */
    public synchronized void ended(K k, boolean kept) {
        State s = open.get(k);
        if (s == null) {
            return;
        }
        s.busy = Math.max(0, s.busy - 1);
        s.kept |= kept;
        idle.remove(k);
        if (!s.kept && s.busy == 0) {
            idle.put(k, Boolean.TRUE); // at the end: the newest idle
        }
    }

    /** A connection closed, however it ended. */
    public synchronized void closed(K k) {
        open.remove(k);
        idle.remove(k);
    }

    /** Connections open now, as counted. */
    public synchronized int open() {
        return open.size();
    }

    /** Connections closed so far to make room for a newer one. */
    public synchronized long evicted() {
        return evicted;
    }

    /** New connections refused so far, every other being kept or busy. */
    public synchronized long refused() {
        return refused;
    }
}
