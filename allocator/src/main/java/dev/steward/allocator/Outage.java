package dev.steward.allocator;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a lone allocator whose state store failed says and does next, decided from what it sees
 * (the failure, the free space on the data directory's disk, the tries so far): pure, so it is
 * tested alone. A full disk is the common case: the allocator then waits until
 * {@link #RESUME_FREE} is free before it opens its state again, so that it neither reads the whole
 * state at every pause for nothing nor resumes only to fail at its next write.
 */
record Outage(Path dataDir, String cause, boolean diskFull, long resumeFree) {
    /** Free space the data directory's disk needs before a full disk is tried again ({@link #resumeFree(long)} on a small disk). */
    static final long RESUME_FREE = 16L << 20;
    /** The first pause before a try; it doubles at each failed try, up to {@link #LONGEST}. */
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration LONGEST = Duration.ofSeconds(10);

    /** The outage a failure starts, seeing {@code usable} bytes free on the data directory's disk (of a size not known). */
    static Outage of(Path dataDir, Throwable failure, long usable) {
        return of(dataDir, failure, usable, 0);
    }

    /** As above, on a disk of {@code total} bytes (0: not known). */
    static Outage of(Path dataDir, Throwable failure, long usable, long total) {
        String cause = innermost(failure);
        long resume = resumeFree(total);
        return new Outage(dataDir, cause, usable < resume || looksFull(cause), resume);
    }

    /**
     * The free space to wait for on a disk of {@code total} bytes: {@link #RESUME_FREE}, or an
     * eighth of a disk smaller than 128 MiB (at least 1 MiB), which could never have 16 MiB free
     * beside the state it holds; 0 (not known): {@link #RESUME_FREE}.
     */
    static long resumeFree(long total) {
        return total <= 0 ? RESUME_FREE : Math.min(RESUME_FREE, Math.max(1L << 20, total / 8));
    }

    /** SQLite's and the kernel's words for a full disk. */
    static boolean looksFull(String message) {
        return message != null && (message.contains("SQLITE_FULL") || message.contains("No space left") || message.contains("disk is full"));
    }

    /** Whether to open the state again now: a full disk once it has room, any other failure at every try. */
    boolean worthTrying(long usable) {
        return !diskFull || usable >= resumeFree;
    }

    /** The pause before try {@code tries + 1}, after {@code tries} that failed or were not worth making. */
    static Duration pause(int tries) {
        Duration d = FIRST.multipliedBy(1L << Math.min(tries, 10));
        return d.compareTo(LONGEST) > 0 ? LONGEST : d;
    }

    /** What every request is told meanwhile, and the log once: what failed, what it waits for, that it comes back by itself. */
    String reason(long usable) {
        String what = diskFull
                ? "the disk is full (" + size(usable) + " free; it resumes once " + size(resumeFree) + " are)"
                : cause;
        return "the allocator cannot write its state in " + dataDir + ": " + what + ". It answers nothing meanwhile, tries again by itself "
                + "every few seconds, and then goes on from its last write: nothing it acknowledged is lost"
                + (diskFull ? ". Free space on that disk" : "");
    }

    private static String size(long bytes) {
        return dev.steward.api.Units.formatBytes(bytes);
    }

    private static String innermost(Throwable t) {
        Throwable e = t;
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
