package dev.steward.allocator.packages;

import dev.steward.allocator.engine.Engine;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Garbage collection of packages: every sweep interval (and on demand), the state forgets the
 * packages nothing has used for the retention period, then their files are deleted.
 */
public final class PackageSweeper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PackageSweeper.class.getName());
    private final Engine engine;
    private final PackageStore store;
    private ScheduledExecutorService timer;

    public PackageSweeper(Engine engine, PackageStore store) {
        this.engine = engine;
        this.store = store;
    }

    public void start() {
        long every = store.policy().sweepInterval().toMillis();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "steward-package-gc");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "package sweep failed; will try again", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** One sweep now; returns the digests removed. */
    public List<String> sweep() throws Exception {
        List<String> gone = store.collect(() -> engine.command((s, now) -> s.packages().sweep(now, store.policy().retention())).join());
        if (!gone.isEmpty()) {
            LOG.info("removed " + gone.size() + " unused package(s): " + gone);
        }
        return gone;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
