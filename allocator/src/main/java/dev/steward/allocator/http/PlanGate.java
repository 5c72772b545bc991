package dev.steward.allocator.http;

import java.util.HashMap;
import java.util.Map;

/**
 * How many deploy plans may be worked out at once: a plan places up to a hundred instances on
 * the state's owner thread to see whether they fit (a few milliseconds at 10,000 agents), where a
 * read only copies references, so plans sent in a loop would hold up every command, agents'
 * included. At most {@link #MAX} at once, and {@link #PER_CALLER} for one caller, so one tenant's
 * loop leaves the others room; past either, a 503 with Retry-After (the client retries).
 */
final class PlanGate {
    static final int MAX = 4;
    static final int PER_CALLER = 2;
    private final Map<String, Integer> byCaller = new HashMap<>();
    private int inFlight;

    /** Takes a place for {@code caller}; false when none is free (for it, or at all). */
    synchronized boolean take(String caller) {
        int mine = byCaller.getOrDefault(caller, 0);
        if (inFlight >= MAX || mine >= PER_CALLER) {
            return false;
        }
        inFlight++;
        byCaller.put(caller, mine + 1);
        return true;
    }

    /** Gives back a place {@link #take} gave. */
    synchronized void give(String caller) {
        int mine = byCaller.getOrDefault(caller, 0);
        if (mine <= 0) {
            throw new IllegalStateException("no plan of " + caller + " was in flight");
        }
        inFlight--;
        if (mine == 1) {
            byCaller.remove(caller);
        } else {
            byCaller.put(caller, mine - 1);
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }
}
