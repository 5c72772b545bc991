package dev.steward.agent;

import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A job the agent runs at a period, kept running through its failures. A
 * {@code ScheduledExecutorService} stops a periodic job at its first exception, silently: one
 * unexpected exception would have ended the agent's disk checks, sandbox collection, log rotation
 * or usage figures for the rest of its life. A failure is logged (at most once a minute per job,
 * with how many there were) and the job runs again at its next period.
 */
final class Periodic implements Runnable {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName());
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String what;
    private final Runnable job;
    /** Failures since the last one logged; on the job's thread only (a periodic job never runs twice at once). */
    private long unlogged;
    /** When a failure was last logged: a minute before its making at first, so that the first failure is. */
    private long lastLogged = System.nanoTime() - LOG_EVERY_NANOS;

    private Periodic(String what, Runnable job) {
        this.what = what;
        this.job = job;
    }

    /** {@code job}, named {@code what} in the log ("the disk check"), kept running through its failures. */
    static Periodic of(String what, Runnable job) {
        return new Periodic(what, job);
    }

    @Override
    public void run() {
        try {
            job.run();
        } catch (RuntimeException e) {
            unlogged++;
            long now = System.nanoTime();
            if (now - lastLogged >= LOG_EVERY_NANOS) {
                LOG.log(Level.WARNING, what + " failed" + (unlogged > 1 ? " (" + unlogged + " times since last said)" : "")
                        + "; it runs again at its next period: " + e, e);
                lastLogged = now;
                unlogged = 0;
            }
        }
    }
}
