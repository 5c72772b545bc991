package dev.steward.allocator;

import java.util.function.LongConsumer;

/**
 * Runs a property over many seeds; a failure names its seed so it replays with
 * {@code -Dsteward.seed=SEED} (which then runs only that seed).
 */
public final class Seeds {
    private Seeds() {
    }

    public static void forEach(int count, LongConsumer property) {
        Long only = Long.getLong("steward.seed");
        long base = System.nanoTime();
        for (int i = 0; i < (only != null ? 1 : count); i++) {
            long seed = only != null ? only : base + i;
            try {
                property.accept(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("replay with -Dsteward.seed=" + seed + ": " + e.getMessage(), e);
            }
        }
    }
}
