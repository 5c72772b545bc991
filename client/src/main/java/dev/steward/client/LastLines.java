package dev.steward.client;

import java.io.IOException;
import java.time.Duration;

/**
 * A log's last lines, as {@code kubectl logs --tail} gives them, over the log API as it is:
 * {@code steward logs --tail}, and what a failed instance last wrote ({@link FailureOutput}).
 */
final class LastLines {
    /** The most bytes a tail reads back: the allocator's largest log chunk. */
    static final int MAX_BYTES = 1 << 20;

    private LastLines() {
    }

    /**
     * The last {@code lines} whole lines of a task's {@code stream} (found in at most its last
     * {@link #MAX_BYTES}), with the offset where its log ends to follow on from, as
     * {@code kubectl logs --tail} does. Two reads: one from past the end, which answers no bytes
     * and where the log ends, then the bytes before that end.
     */
    static StewardClient.LogChunk read(StewardClient c, String taskId, String stream, int lines) throws IOException {
        if (lines < 1) {
            throw new IllegalArgumentException("lines: " + lines + " is not at least 1");
        }
        long pastEnd = Long.MAX_VALUE / 2;
        StewardClient.LogChunk end = c.logs(taskId, stream, pastEnd, Duration.ZERO);
        if (end.next() >= pastEnd) { // no log file yet: the answer gives the offset back
            return new StewardClient.LogChunk(new byte[0], 0, end.ended());
        }
        long window = Math.min(MAX_BYTES, Math.max(8192L, lines * 512L));
        long from = Math.max(0, end.next() - window);
        StewardClient.LogChunk back = c.logs(taskId, stream, from, Duration.ZERO);
        return new StewardClient.LogChunk(lastLines(back.bytes(), lines, from > 0), back.next(), back.ended());
    }

    /**
     * The last {@code n} lines of {@code b} (a last line without its newline counts), whole:
     * with {@code cutFirst}, {@code b} may begin inside a line, which is then left out.
     */
    static byte[] lastLines(byte[] b, int n, boolean cutFirst) {
        int end = b.length;
        int start = end > 0 && b[end - 1] == '\n' ? end - 1 : end; // the newline ending the last line is its own, not a line break to count
        int found = 0;
        int i = start - 1;
        for (; i >= 0; i--) {
            if (b[i] == '\n' && ++found == n) {
                break;
            }
        }
        int from = i + 1;
        if (i < 0 && cutFirst) { // fewer than n line breaks: the first piece may be the end of a line cut by the window
            int first = 0;
            while (first < end && b[first] != '\n') {
                first++;
            }
            from = Math.min(end, first + 1);
        }
        return java.util.Arrays.copyOfRange(b, from, end);
    }
}
