package dev.steward.allocator;

import dev.steward.allocator.http.OutageApi;
import dev.steward.allocator.http.SwitchApi;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Brings a lone, listening allocator back after its state store failed, a full disk most often.
 * At once: its listener answers every request with the reason ({@link OutageApi}) and the failed
 * life is closed (its parked queries end with a 503 to retry). Then, after pauses that grow from
 * 1 to 10 s ({@link Outage#pause}), it opens a new life from the data directory, as a restart
 * would, once that is worth trying ({@link Outage#worthTrying}): nothing it acknowledged is lost,
 * and the change whose write failed, refused to its caller, is not made. Its own thread; the
 * owner thread never waits for it. A replicated server does not use it: its leader steps down.
 */
final class Recovery implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Recovery.class.getName());
    /** A failed try is logged again, unchanged, at most this often. */
    private static final long RELOG_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Opens a new life from the data directory, or throws why it cannot. */
    @FunctionalInterface
    interface Opener {
        ServerCore open() throws Exception;
    }

    private final Path dataDir;
    private final SwitchApi front;
    private final Opener opener;
    private final Consumer<ServerCore> adopt;
    private final LongSupplier usable;
    private final java.util.concurrent.ScheduledThreadPoolExecutor thread = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "steward-recovery");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;
    private volatile boolean inOutage;
    private final java.util.concurrent.atomic.AtomicLong outages = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong outageNanos = new java.util.concurrent.atomic.AtomicLong();
    private boolean logged;
    private long lastLoggedAt;

    /**
     * {@code adopt} takes a new life in (it becomes the one the listener serves, and this is told
     * when its store fails); {@code usable} reads the free bytes of the data directory's disk.
     */
    Recovery(Path dataDir, SwitchApi front, Opener opener, Consumer<ServerCore> adopt, LongSupplier usable) {
        this.dataDir = dataDir;
        this.front = front;
        this.opener = opener;
        this.adopt = adopt;
        this.usable = usable;
        this.thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // a stop does not wait out the pause before the next try
    }

    /** The store of {@code life} failed with {@code cause}: called once per life, from any thread. */
    void failed(ServerCore life, Throwable cause) {
        try {
            thread.execute(() -> begin(life, cause));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the server is stopping: it closes the life itself
        }
    }

    /**
     * The state could not be opened at start for want of room on its disk: the listener answers
     * why (it does already), and a life is opened as after a failed write, once there is room.
     */
    void failedAtStart(Throwable cause) {
        inOutage = true;
        try {
            thread.execute(() -> begin(null, cause));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // stopping
        }
    }

    /** Whether the store failed and no new life is open yet. */
    boolean inOutage() {
        return inOutage;
    }

    private void begin(ServerCore life, Throwable cause) {
        inOutage = true;
        Outage outage = Outage.of(dataDir, cause, usable.getAsLong(), totalSpace());
        front.set(new OutageApi(() -> outage.reason(usable.getAsLong()), life == null ? 0 : life.engine.index()));
        LOG.log(Level.SEVERE, outage.reason(usable.getAsLong()), cause); // once, with where it failed
        logged = true;
        lastLoggedAt = System.nanoTime();
        if (life != null) {
            life.close();
        }
        long began = System.nanoTime();
        schedule(outage, 0, began);
    }

    private void schedule(Outage outage, int tries, long began) {
        if (closed) {
            return;
        }
        try {
            thread.schedule(() -> attempt(outage, tries, began), Outage.pause(tries).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // stopping
        }
    }

    private void attempt(Outage outage, int tries, long began) {
        if (closed) {
            return;
        }
        long free = usable.getAsLong();
        if (!outage.worthTrying(free)) {
            log(outage.reason(free));
            schedule(outage, tries + 1, began);
            return;
        }
        ServerCore life;
        try {
            life = opener.open();
        } catch (Exception e) {
            log("the allocator still cannot open its state in " + dataDir + ": " + e.getMessage());
            schedule(outage, tries + 1, began);
            return;
        }
        outageNanos.addAndGet(System.nanoTime() - began);
        outages.incrementAndGet();
        adopt.accept(life);
        inOutage = false;
        logged = false;
        LOG.info(String.format("the allocator writes its state in %s again and serves from index %d, after %.1f s without (%s)",
                dataDir, life.engine.index(), (System.nanoTime() - began) / 1e9, outage.cause()));
    }

    /** The size of the data directory's disk; 0 when it cannot be read. */
    private long totalSpace() {
        try {
            return java.nio.file.Files.getFileStore(dataDir).getTotalSpace();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Outages lived through: the store failed, and a new life opened. */
    long outages() {
        return outages.get();
    }

    /** Seconds those outages lasted. */
    double outageSeconds() {
        return outageNanos.get() / 1e9;
    }

    /** Logs {@code line} at most once a minute: a long outage does not fill the disk it waits on. */
    private void log(String line) {
        long now = System.nanoTime();
        if (!logged || now - lastLoggedAt > RELOG_NANOS) {
            LOG.warning(line);
            logged = true;
            lastLoggedAt = now;
        }
    }

    /** Stops trying; a try under way ends first, so the server then closes whichever life is current. */
    @Override
    public void close() {
        closed = true;
        thread.shutdown();
        try {
            if (!thread.awaitTermination(40, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "the allocator's recovery did not stop within 40 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
