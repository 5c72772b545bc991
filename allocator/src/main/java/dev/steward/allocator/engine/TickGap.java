package dev.steward.allocator.engine;

import dev.steward.api.Units;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether the time since the last tick means agents must get a fresh heartbeat grace: the
 * ticker's decision, pure. It is fed, at every tick, the real time ({@code System.nanoTime}) and
 * the wall clock the state's decisions use. A tick that comes more than {@code stallAfter} after
 * the one before, beyond the interval, means the owner thread was stalled (a long command, a
 * pause of the process, an overloaded machine) and heartbeats may have waited in its queue. A
 * wall clock that ran ahead of the real time by more than {@code stallAfter} (NTP stepping a
 * clock, a VM resumed with a stale one) means graces measured in that clock expired while no
 * agent fell silent. Either way the allocator must not blame the agents.
 */
final class TickGap {
    /** Why agents get a fresh grace ({@code when}, for their records) and what the log says. */
    record Found(String when, String warning) {
    }

    private final long intervalNanos;
    private final long stallAfterNanos;
    private long last;
    private Instant lastWall;

    /** Starts counting from {@code nanos} and {@code wall}: a stall before the first tick counts too. */
    TickGap(Duration interval, Duration stallAfter, long nanos, Instant wall) {
        this.intervalNanos = interval.toNanos();
        this.stallAfterNanos = stallAfter.toNanos();
        this.last = nanos;
        this.lastWall = wall;
    }

    /** At a tick: null when nothing happened since the last one, else why agents get a fresh grace. */
    Found tick(long nanos, Instant wall) {
        long elapsed = nanos - last;
        long gap = elapsed - intervalNanos;
        long jump = Duration.between(lastWall, wall).toNanos() - elapsed; // how far the wall clock ran ahead of real time
        last = nanos;
        lastWall = wall;
        if (gap > stallAfterNanos) {
            return new Found("while the allocator stalled for " + Units.format(Duration.ofMillis(gap / 1_000_000)),
                    "no tick for " + gap / 1_000_000 + " ms: agents get a fresh heartbeat grace");
        }
        if (jump > stallAfterNanos) {
            return new Found("when the clock jumped forward by " + Units.format(Duration.ofMillis(jump / 1_000_000)),
                    "the clock jumped " + jump / 1_000_000 + " ms ahead of the time that passed: agents get a fresh heartbeat grace");
        }
        return null;
    }
}
