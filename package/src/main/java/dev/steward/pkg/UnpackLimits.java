package dev.steward.pkg;

/**
 * What an archive may hold before it is refused as hostile or absurd: entries, bytes once
 * expanded, path length and depth. The defaults fit any real application.
 */
public record UnpackLimits(int maxEntries, long maxExpandedBytes, int maxPathLength, int maxDepth) {
    public static final UnpackLimits DEFAULT = new UnpackLimits(100_000, 16L << 30, 4096, 64);
    static final int MAX_MANIFEST_BYTES = 1 << 20;
}
