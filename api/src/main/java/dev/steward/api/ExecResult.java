package dev.steward.api;

/**
 * What a command run in a task ({@link ExecRequest}) did: its exit code (128 + the signal's
 * number when a signal ended it, 137 when its timeout did), what it wrote to standard output
 * and standard error (decoded as UTF-8; at most {@link #MAX_OUTPUT} bytes of each, the rest cut
 * and {@code stdoutTruncated} or {@code stderrTruncated} set), whether its timeout ended it, and
 * how long it ran. Output written after the command exited, by a process it left behind, is not
 * waited for.
 */
public record ExecResult(int exitCode, String stdout, String stderr, boolean stdoutTruncated, boolean stderrTruncated, boolean timedOut,
                         long elapsedMillis) {
    /** The most bytes kept of each stream. */
    public static final int MAX_OUTPUT = 256 * 1024;

    /** What was cut, for a person ({@code its output was cut at 256 KiB}); null when nothing was. */
    public String truncation() {
        if (!stdoutTruncated && !stderrTruncated) {
            return null;
        }
        return (stdoutTruncated && stderrTruncated ? "its output and its errors were" : stdoutTruncated ? "its output was" : "its errors were")
                + " cut at " + MAX_OUTPUT / 1024 + " KiB";
    }
}
