package dev.steward.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * One thing loaded from files (a key manager, a trust manager) and loaded again once they change,
 * looked at no more often than {@code every}, from the handshakes that use it: a renewed
 * certificate or CA written over the old files is used by the next connection, with no restart
 * (as Nomad reloads its TLS files, and kubelet rotates its certificate). What does not load (a
 * certificate written before its key: not yet a pair) is not used: the last good one stays, the
 * failure is logged once, and the files are read again at the next look.
 */
final class Reloading<T> {
    private static final Logger LOG = Logger.getLogger(TlsFiles.class.getName());
    private final Path[] files;
    private final Duration every;
    private final Loader<T> loader;
    private final Function<T, String> describe;
    private volatile Loaded<T> current;
    private volatile Loaded<T> previous;
    private volatile FileStamp stamp;
    private volatile long lookedAt;
    private String failed;

    /** What was loaded, and which load it was (1 for the first): a handshake asks for its parts by it. */
    record Loaded<T>(long generation, T value) {
    }

    /** Loads {@code T} from the files, or throws why not. */
    @FunctionalInterface
    interface Loader<T> {
        T load() throws IOException;
    }

    /** Loads now (a failure is thrown: a party does not start on files that do not load). */
    Reloading(Duration every, Loader<T> loader, Function<T, String> describe, Path... files) throws IOException {
        this.files = files;
        this.every = every;
        this.loader = loader;
        this.describe = describe;
        this.stamp = FileStamp.of(files);
        this.current = new Loaded<>(1, loader.load());
        this.lookedAt = System.nanoTime();
    }

    /** The one to use now: loaded again first when the files changed since, if {@code every} has passed since the last look. */
    Loaded<T> get() {
        long now = System.nanoTime();
        if (now - lookedAt >= every.toNanos()) {
            look(now);
        }
        return current;
    }

    /** The load {@code generation} (this one or the one before, which a handshake begun before a reload may still ask for), else the current one. */
    T at(long generation) {
        Loaded<T> c = current;
        Loaded<T> p = previous;
        return p != null && p.generation() == generation ? p.value() : c.value();
    }

    private synchronized void look(long now) {
        if (now - lookedAt < every.toNanos()) {
            return; // another handshake looked meanwhile
        }
        lookedAt = now;
        FileStamp seen = FileStamp.of(files);
        if (seen.same(stamp)) {
            return;
        }
        try {
            T next = loader.load();
            if (!seen.same(FileStamp.of(files))) {
                return; // written again while it was read: the next look reads it whole
            }
            previous = current;
            current = new Loaded<>(current.generation() + 1, next);
            stamp = seen;
            failed = null;
            LOG.info("read " + java.util.Arrays.toString(files) + " again, changed on disk: new connections use " + describe.apply(next));
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage();
            if (!why.equals(failed)) {
                LOG.warning(java.util.Arrays.toString(files) + " changed on disk but do not load (" + why + "); connections go on with what was "
                        + "loaded before, and the files are read again in " + every.toSeconds() + " s");
                failed = why;
            }
        }
    }
}
