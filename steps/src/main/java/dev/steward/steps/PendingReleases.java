package dev.steward.steps;

import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Releases that failed (the allocator was unreachable when a step ended), kept in a file so that
 * a periodic sweep retries them, also after a controller restart, until the allocator confirms.
 * Without this a failed release held its resources until the lease ran out. One request id per
 * line; rewritten whole through a temporary file and an atomic rename, so a crash leaves the old
 * list or the new one.
 */
public final class PendingReleases {
    /** At most this many are kept; beyond it the oldest is dropped (its lease still ends by itself). */
    public static final int LIMIT = 10_000;
    private final Path file;

    public PendingReleases(Path file) {
        this.file = file;
    }

    /** Remembers {@code requestId} for the next retry. */
    public synchronized void add(String requestId) throws IOException {
        Set<String> ids = read();
        ids.add(requestId);
        while (ids.size() > LIMIT) {
            ids.remove(ids.iterator().next());
        }
        write(ids);
    }

    public synchronized List<String> list() throws IOException {
        return List.copyOf(read());
    }

    /** What one retry did: released (or already gone), and still failing with why. */
    public record Retry(List<String> released, List<String> failed) {
    }

    /**
     * Cancels every remembered request through {@code client}; a request the allocator no longer
     * knows (404) is done too. The ones that still fail stay for the next retry; once the
     * allocator proves unreachable the rest are not tried this time, so one retry takes at most
     * one call's retry budget however many are pending.
     */
    public Retry retry(StewardClient client) throws IOException {
        List<String> released = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        String unreachable = null;
        for (String id : list()) {
            if (unreachable != null) { // the rest would wait as long for the same answer
                failed.add(id + ": not tried, the allocator is unreachable (" + unreachable + ")");
                continue;
            }
            try {
                client.cancel(id);
                released.add(id);
            } catch (StewardException e) {
                if (e.status() == 404) {
                    released.add(id);
                } else {
                    failed.add(id + ": " + e.getMessage());
                }
            } catch (IOException e) {
                unreachable = e.getMessage();
                failed.add(id + ": " + e.getMessage());
            }
        }
        synchronized (this) {
            Set<String> ids = read();
            ids.removeAll(released);
            write(ids);
        }
        return new Retry(released, failed);
    }

    private Set<String> read() throws IOException {
        Set<String> ids = new LinkedHashSet<>();
        if (Files.exists(file)) {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!l.isBlank()) {
                    ids.add(l.trim());
                }
            }
        }
        return ids;
    }

    private void write(Set<String> ids) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, ids.isEmpty() ? List.of() : List.copyOf(ids), StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
