package dev.steward.agent;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ended tasks' uids, given back on a thread of their own ({@code steward-agent-release}), not on
 * the loop thread that ends the tasks: a release kills the uid's leftover processes and sweeps
 * the machine's shared directories ({@link UidSweep}), 100 ms or more where {@code /tmp} is large.
 * The thread takes every release waiting at once and sweeps for all of them in one pass, at most
 * one pass every 2 s (unless 256 wait), so a burst of ends costs one walk and tasks that end all
 * the time cost one walk in 2 s at most. A uid
 * stays leased until its release is done, so none is handed on early; at most {@link #BOUND}
 * releases wait, and past that the caller releases its own. Releases still waiting when the agent
 * stops are left: their leases are then stale, and the next task to take such a uid kills and
 * sweeps first.
 */
final class UidReleases implements AutoCloseable {
    static final int BOUND = 4096;
    /** The least time between two passes, unless {@link #BATCH} releases wait: a walk of a large {@code /tmp} costs 100 ms or more of cpu. */
    static final long GAP_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final int BATCH = 256;
    private final TaskUsers users;
    private final Map<String, Path> waiting = new LinkedHashMap<>();
    /** Started at the first release: an agent that has ended no task keeps no thread for it. */
    private Thread thread;
    private boolean closed;

    UidReleases(TaskUsers users) {
        this.users = users;
    }

    /** Gives the uid of the ended task {@code taskId} back, soon. */
    void release(String taskId, Path taskDir) {
        users.ending(taskId); // a start that finds every uid held waits for this one
        synchronized (this) {
            if (!closed && waiting.size() < BOUND) {
                waiting.put(taskId, taskDir);
                if (thread == null) {
                    thread = new Thread(this::run, "steward-agent-release");
                    thread.setDaemon(true);
                    thread.start();
                }
                notifyAll();
                return;
            }
        }
        users.release(taskId, taskDir); // full, or stopping: the caller waits for its own
    }

    private void run() {
        long lastEnd = System.nanoTime() - GAP_NANOS;
        while (true) {
            Map<String, Path> batch;
            synchronized (this) {
                try {
                    while (waiting.isEmpty() && !closed) {
                        wait();
                    }
                    // one pass at most every GAP: the releases that come meanwhile share it (a burst of ends costs one walk)
                    long wait;
                    while (!closed && waiting.size() < BATCH && (wait = lastEnd + GAP_NANOS - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.timedWait(this, wait);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (waiting.isEmpty()) {
                    return;
                }
                batch = new LinkedHashMap<>(waiting);
                waiting.clear();
            }
            try {
                users.releaseAll(batch);
            } catch (RuntimeException e) {
                java.util.logging.Logger.getLogger(UidReleases.class.getName()).warning("giving back task uids " + batch.keySet() + " failed: " + e);
            }
            lastEnd = System.nanoTime();
        }
    }

    /** Finishes the releases already waiting, for up to {@code timeout}; leaves the rest (their leases go stale). */
    void close(long timeout, TimeUnit unit) {
        Thread t;
        synchronized (this) {
            closed = true;
            notifyAll();
            t = thread;
        }
        if (t == null) {
            return;
        }
        try {
            t.join(unit.toMillis(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(10, TimeUnit.SECONDS);
    }
}
