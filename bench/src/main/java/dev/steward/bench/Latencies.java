package dev.steward.bench;

import java.util.Arrays;

/**
 * Latencies in nanoseconds, recorded by one thread and read by another, in a growing array of
 * primitives: a benchmark's own recording must not make garbage of its own (a boxed value and a
 * queue node per beat did, and the simulator's collections then delayed the beats it measured).
 */
final class Latencies {
    private long[] xs = new long[1 << 16];
    private int n;

    synchronized void add(long nanos) {
        if (n == xs.length) {
            xs = Arrays.copyOf(xs, n * 2);
        }
        xs[n++] = nanos;
    }

    synchronized void clear() {
        n = 0;
    }

    /** A sorted copy of what was recorded since the last {@link #clear}. */
    synchronized long[] sorted() {
        long[] out = Arrays.copyOf(xs, n);
        Arrays.sort(out);
        return out;
    }
}
