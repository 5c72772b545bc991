package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Ended tasks' sandboxes marked with when they ended ({@code done}: the sandbox collector keeps
 * a sandbox for its retention from then), and each end counted once, so that a stop of every task
 * waits for the next end rather than polling. Where the disk has no room the mark is said once per
 * task and tried again at every tick until it can be written (before, a warning 10 times a
 * second). Marked on the agent's loop thread; the count is read from any.
 */
final class EndMarks {
    private static final Logger LOG = Logger.getLogger(EndMarks.class.getName());
    private final Path tasksDir;
    /** Ends counted, under its own lock. */
    private final long[] ends = new long[1];
    /** Ended tasks whose mark could not be written yet. Loop thread. */
    private final Set<String> unmarked = new HashSet<>();

    EndMarks(Path tasksDir) {
        this.tasksDir = tasksDir;
    }

    /** On the loop thread, after each tick of {@code s}: marks it if it has ended and is not marked yet. */
    void mark(Supervisor s, Instant now) {
        String id = s.task().id();
        Path done = tasksDir.resolve(id).resolve("done");
        if (s.phase() != Supervisor.Phase.DONE || Files.exists(done)) {
            return;
        }
        if (!unmarked.contains(id)) {
            synchronized (ends) {
                ends[0]++;
                ends.notifyAll();
            }
        }
        try {
            Files.createDirectories(done.getParent());
            PrivateFiles.write(done, now.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            unmarked.remove(id);
        } catch (IOException e) {
            if (unmarked.add(id)) {
                LOG.warning("task " + id + " ended, but its sandbox cannot be marked so yet (" + e + "): tried again until it can, then "
                        + "collected as usual");
            }
        }
    }

    /** Ends counted so far. */
    long count() {
        synchronized (ends) {
            return ends[0];
        }
    }

    /** Waits until more than {@code seen} ends are counted, or {@code deadlineNanos} ({@link System#nanoTime}) passes. */
    void awaitMoreThan(long seen, long deadlineNanos) throws InterruptedException {
        synchronized (ends) {
            long left;
            while (ends[0] == seen && (left = deadlineNanos - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(ends, left);
            }
        }
    }
}
