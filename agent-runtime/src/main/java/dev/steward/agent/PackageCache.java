package dev.steward.agent;

import dev.steward.api.Digests;
import dev.steward.pkg.PackageException;
import dev.steward.pkg.UnpackLimits;
import dev.steward.pkg.Unpacker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The agent's package cache, {@code DATA/packages/<hex>.tar.zst}: a package is downloaded once
 * (tasks that want it at the same time share the download), verified against its digest before
 * it takes its name, and kept while the cache is under its size cap, the least recently used
 * going first (a package being unpacked is never evicted). {@link #unpack} opens a package into
 * a task's sandbox with the safe {@link Unpacker}. The directory is the agent's alone (0700): a task
 * reads only the copy unpacked into its own sandbox.
 */
final class PackageCache {
    private static final Logger LOG = Logger.getLogger(PackageCache.class.getName());
    private final Path dir;
    private final AllocatorClient client;
    private final long capBytes;
    private final ExecutorService fetchers;
    private final Map<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Integer> pinned = new HashMap<>();
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong clock = new AtomicLong();
    private final Map<String, Long> lastUse = new ConcurrentHashMap<>();

    PackageCache(Path dir, AllocatorClient client, long capBytes, ExecutorService fetchers) throws IOException {
        this.dir = Files.createDirectories(dir);
        // the agent's alone: tasks get their copy unpacked in their sandbox, and no task may list or read another tenant's packages here
        Files.setPosixFilePermissions(this.dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        this.client = client;
        this.capBytes = capBytes;
        this.fetchers = fetchers;
        // the order of use survives a restart through the files' modification times
        List<Path> cached = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(this.dir, "*.tar.zst")) {
            ds.forEach(cached::add);
        }
        cached.sort(Comparator.comparing(p -> {
            try {
                return Files.getLastModifiedTime(p);
            } catch (IOException e) {
                return FileTime.fromMillis(0);
            }
        }));
        cached.forEach(p -> lastUse.put(digestOf(p), clock.incrementAndGet()));
    }

    private static String digestOf(Path file) {
        String name = file.getFileName().toString();
        return "sha256:" + name.substring(0, name.length() - ".tar.zst".length());
    }

    private volatile AgentMetrics metrics;

    /** Where hits, misses and downloaded bytes are counted. */
    PackageCache metrics(AgentMetrics m) {
        this.metrics = m;
        return this;
    }

    /** Bytes of the packages in the cache now. */
    long bytes() {
        long total = 0;
        try (var ds = Files.newDirectoryStream(dir, "*.tar.zst")) {
            for (Path p : ds) {
                try {
                    total += Files.size(p);
                } catch (IOException gone) {
                    // evicted meanwhile
                }
            }
        } catch (IOException e) {
            return total;
        }
        return total;
    }

    /** How many downloads were made (not cache hits); for tests and the status line. */
    long downloads() {
        return downloads.get();
    }

    Path file(String digest) {
        return dir.resolve(Digests.hex(digest) + ".tar.zst");
    }

    /** The cached file of {@code digest}, downloading it first if needed; concurrent callers share one download. */
    CompletableFuture<Path> fetch(String digest) {
        Path f = file(digest);
        if (Files.isRegularFile(f)) {
            if (metrics != null) {
                metrics.cache(true, 0);
            }
            touch(digest, f);
            return CompletableFuture.completedFuture(f);
        }
        return inFlight.computeIfAbsent(digest, d -> CompletableFuture.supplyAsync(() -> {
            try {
                if (!Files.isRegularFile(f)) {
                    client.download(d, f);
                    downloads.incrementAndGet();
                    if (metrics != null) {
                        metrics.cache(false, Files.size(f));
                    }
                }
                touch(d, f);
                evict(Set.of(d));
                return f;
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            } finally {
                inFlight.remove(d);
            }
        }, fetchers));
    }

    /**
     * Fetches {@code digest} and unpacks it into {@code sandbox} (empty), writing at most
     * {@code diskMib} (0: only the general limit); runs on the fetch threads. The allocator
     * refuses a package that expands past its allocation's disk before any agent sees it; this
     * holds even so, and for a task whose allocation asks for no disk.
     */
    CompletableFuture<Unpacker.Unpacked> unpack(String digest, Path sandbox, long diskMib) {
        UnpackLimits limits = diskMib <= 0 || (diskMib << 20) >= UnpackLimits.DEFAULT.maxExpandedBytes() ? UnpackLimits.DEFAULT
                : new UnpackLimits(UnpackLimits.DEFAULT.maxEntries(), diskMib << 20, UnpackLimits.DEFAULT.maxPathLength(), UnpackLimits.DEFAULT.maxDepth());
        return fetch(digest).thenApplyAsync(f -> {
            pin(digest, 1);
            try (InputStream in = Files.newInputStream(f)) {
                return new Unpacker(limits).unpack(in, sandbox);
            } catch (PackageException e) {
                throw new java.util.concurrent.CompletionException(e);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(new IOException("cannot unpack: " + e.getMessage(), e));
            } finally {
                pin(digest, -1);
            }
        }, fetchers);
    }

    private synchronized void pin(String digest, int delta) {
        pinned.merge(digest, delta, Integer::sum);
        if (pinned.get(digest) <= 0) {
            pinned.remove(digest);
        }
    }

    private void touch(String digest, Path f) {
        lastUse.put(digest, clock.incrementAndGet());
        try {
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // the next eviction sees an older time; harmless
        }
    }

    /** Removes least recently used packages (not {@code keep}, not pinned) until the cache is under its cap. */
    synchronized void evict(Set<String> keep) throws IOException {
        record Entry(Path path, long size, long used, String digest) {
        }
        List<Entry> all = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tar.zst")) {
            for (Path p : ds) {
                long size = Files.size(p);
                total += size;
                String d = digestOf(p);
                all.add(new Entry(p, size, lastUse.getOrDefault(d, 0L), d));
            }
        }
        all.sort(Comparator.comparing(Entry::used));
        for (Entry e : all) {
            if (total <= capBytes) {
                break;
            }
            if (keep.contains(e.digest()) || pinned.containsKey(e.digest())) {
                continue;
            }
            Files.deleteIfExists(e.path());
            lastUse.remove(e.digest());
            total -= e.size();
            LOG.info("evicted package " + Digests.shortForm(e.digest()) + " from the cache (" + e.size() + " bytes; cap " + capBytes + ")");
        }
    }
}
