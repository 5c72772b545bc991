package dev.steward.allocator.packages;

import dev.steward.api.Digests;
import dev.steward.pkg.PackageException;
import dev.steward.pkg.PackageReader;
import dev.steward.pkg.UnpackLimits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * Package files under {@code DATA/packages}: {@code incoming/} for uploads in progress and
 * {@code sha256/<hex>} for verified packages. Publishing a file and recording it, and
 * forgetting a record and deleting its file, each happen under one lock, so a sweep never
 * deletes a file an upload has just published.
 */
public final class PackageStore {
    private static final Logger LOG = Logger.getLogger(PackageStore.class.getName());
    private final Path incoming;
    private final Path stored;
    private final PackagePolicy policy;
    private final ReentrantLock publishing = new ReentrantLock();
    private final DiskReserve disk;

    public PackageStore(Path dataDir, PackagePolicy policy) throws IOException {
        this(dataDir, policy, null);
    }

    /** With {@code usableSpace} telling the free disk (null: the data directory's file store's, asked at each promise). */
    PackageStore(Path dataDir, PackagePolicy policy, java.util.function.LongSupplier usableSpace) throws IOException {
        Path root = dataDir.resolve("packages");
        this.incoming = Files.createDirectories(root.resolve("incoming"));
        this.stored = Files.createDirectories(root.resolve("sha256"));
        this.policy = policy;
        this.disk = new DiskReserve(usableSpace != null ? usableSpace : () -> {
            try {
                return Files.getFileStore(incoming).getUsableSpace();
            } catch (IOException e) {
                return 0; // cannot tell: take nothing more
            }
        });
    }

    /** Bytes promised to uploads under way and not yet written (for tests). */
    long promised() {
        return disk.promised();
    }

    public PackagePolicy policy() {
        return policy;
    }

    public Path path(String digest) {
        return stored.resolve(Digests.hex(digest));
    }

    public boolean has(String digest) {
        return Files.isRegularFile(path(digest));
    }

    /** A verified upload, in {@code incoming/}, not yet published. */
    public record Received(String digest, Path file, long size, PackageReader.Inspected inspected) {
    }

    /** Why an upload was refused, with the HTTP status that says so. */
    public static final class Refused extends IOException {
        private final int status;

        public Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * Streams {@code body} into {@code incoming/} while hashing it, and checks the result: the size
     * against the limit, the digest against the one claimed, every entry against the unpack
     * rules. On any failure the partial file is gone.
     */
    public Received receive(String digest, InputStream body, long declaredLength) throws IOException {
        if (declaredLength > policy.maxBytes()) {
            throw new Refused(413, "the package is " + declaredLength + " bytes, above the limit of " + policy.maxBytes() + " bytes");
        }
        long ahead = Math.max(0, declaredLength); // promised and not yet written, by this upload
        disk.promise(ahead);
        Path tmp = incoming.resolve(UUID.randomUUID() + ".part");
        boolean ok = false;
        try {
            MessageDigest sha = sha256();
            long size = 0;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = body.read(buf)) > 0) {
                    size += n;
                    if (size > policy.maxBytes()) {
                        throw new Refused(413, "the package is above the limit of " + policy.maxBytes() + " bytes");
                    }
                    if (n > ahead) { // sent without a length, or past the one declared (refused at its end): promised as it comes
                        long more = Math.max(DiskReserve.STEP, n - ahead);
                        disk.promise(more);
                        ahead += more;
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    ahead -= n;
                    disk.settle(n);
                }
                ch.force(true);
            }
            if (declaredLength >= 0 && size != declaredLength) {
                throw new Refused(400, "the upload ended after " + size + " of " + declaredLength + " bytes");
            }
            String actual = Digests.of(sha.digest());
            if (!actual.equals(digest)) {
                throw new Refused(400, "the bytes have digest " + actual + ", not " + digest + " as the path claims; nothing was stored");
            }
            PackageReader.Inspected inspected;
            try (InputStream in = Files.newInputStream(tmp)) {
                inspected = PackageReader.inspect(in, UnpackLimits.DEFAULT);
            } catch (PackageException e) {
                throw new Refused(422, "not a package an agent would unpack: " + e.getMessage());
            }
            ok = true;
            return new Received(digest, tmp, size, inspected);
        } finally {
            disk.settle(ahead); // what was promised and not written
            if (!ok) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Copies a package's bytes elsewhere before its upload is acknowledged: to the other
     * allocators of a replicated setup, so that the package survives this one.
     */
    public interface Replicator {
        Replicator NONE = (digest, file, size) -> { };

        /** Returns once every copy is durable; throws if one could not be made (the upload then fails, and is sent again). */
        void replicate(String digest, Path file, long size) throws IOException;

        /** At start, for a recorded package whose file is missing here: fetches it into {@code store} from a replica; false if none has it. */
        default boolean fetch(String digest, PackageStore store) {
            return false;
        }
    }

    private volatile Replicator replicator = Replicator.NONE;

    /** A copy to a replica could not be made: nothing was acknowledged, the upload can be sent again. */
    public static final class NotReplicated extends IOException {
        private static final long serialVersionUID = 1L;

        public NotReplicated(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public void replicateWith(Replicator r) {
        this.replicator = r;
    }

    /**
     * Receives a copy of a package from the allocator that took the upload, and keeps its file
     * without a record (the record comes through the replicated log).
     */
    public void accept(String digest, InputStream body, long declaredLength) throws IOException {
        Received r = receive(digest, body, declaredLength);
        publishing.lock();
        try {
            Files.move(r.file(), path(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(stored);
        } finally {
            publishing.unlock();
            Files.deleteIfExists(r.file());
        }
    }

    /**
     * Moves a received file into place, copies it to the replicas, and records it ({@code record} runs the state command)
     * under the publishing lock; the file is durable before the record is. {@code admit} runs first, under the same lock: when
     * it throws, nothing is published (so uploads checked against a bound there are checked one at a time, exactly).
     */
    public <T> T publish(Received r, java.util.concurrent.Callable<?> admit, java.util.concurrent.Callable<T> record) throws Exception {
        publishing.lock();
        try {
            admit.call();
            Files.move(r.file(), path(r.digest()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(stored);
            replicator.replicate(r.digest(), path(r.digest()), r.size()); // a failure leaves a file without a record: removed at the next start, replaced by the retry
            return record.call();
        } finally {
            publishing.unlock();
            Files.deleteIfExists(r.file());
        }
    }

    /** Runs {@code forget} (the state command that drops records) and deletes the files of the digests it returns, under the lock. */
    public List<String> collect(java.util.concurrent.Callable<List<String>> forget) throws Exception {
        publishing.lock();
        try {
            List<String> gone = forget.call();
            for (String d : gone) {
                Files.deleteIfExists(path(d));
            }
            return gone;
        } finally {
            publishing.unlock();
        }
    }

    /**
     * At start: removes uploads that were in progress, and files the state has no record of
     * (published just before a crash, before their record was written; the client retries).
     * Returns the recorded digests whose file is missing.
     */
    public List<String> recover(Set<String> recorded) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(incoming)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(stored)) {
            for (Path p : ds) {
                if (!recorded.contains("sha256:" + p.getFileName())) {
                    LOG.info("removing package file " + p.getFileName() + ": no record of it (an upload cut short by a crash)");
                    Files.deleteIfExists(p);
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (String d : recorded) {
            if (!has(d)) {
                missing.add(d);
            }
        }
        return missing;
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened; the rename is still atomic
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
