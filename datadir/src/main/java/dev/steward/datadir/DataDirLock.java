package dev.steward.datadir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A data directory held by one process at a time: an exclusive lock on its file {@code lock}, which
 * names the holder (its pid and what it is). The kernel drops the lock when the process ends,
 * however it ends (kill -9 too), so a lock is never stale and nothing needs cleaning up after a crash.
 * Within one JVM a second holder is refused from a table of the directories held, before any file
 * is opened: closing a second channel on the file would drop the first holder's lock (a POSIX lock
 * belongs to the process, not the channel).
 */
public final class DataDirLock implements AutoCloseable {
    /** The lock file's name in the directory it holds. */
    public static final String FILE = "lock";

    private static final Map<Path, String> HELD_HERE = new ConcurrentHashMap<>();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private DataDirLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Holds {@code dir} (made if absent) for this process as {@code holder} ("steward dev",
     * "allocator", "agent"), until {@link #close}.
     *
     * @throws InUse when another process, or another holder in this one, holds it
     */
    public static DataDirLock acquire(Path dir, String holder) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        String mine = ProcessHandle.current().pid() + " " + holder;
        String here = HELD_HERE.putIfAbsent(key, mine);
        if (here != null) {
            throw new InUse(key, here + ", in this process");
        }
        try {
            Files.createDirectories(key);
            FileChannel ch = FileChannel.open(key.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException | IOException e) {
                ch.close();
                throw e;
            }
            if (l == null) {
                String other = holderOf(ch);
                ch.close();
                throw new InUse(key, other);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((mine + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new DataDirLock(key, ch, l);
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(key, mine);
            throw e;
        }
    }

    private static String holderOf(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            int n = ch.read(b, 0);
            String s = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
    }

    /** The directory held. */
    public Path dir() {
        return dir;
    }

    /**
     * Lets the directory go (the file stays: removing it would let two processes lock two different
     * files of one name). A second close does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            // the channel is closed either way, and the lock with it
        } finally {
            HELD_HERE.remove(dir);
        }
    }

    /** A data directory another process (or another holder in this one) holds. */
    public static final class InUse extends IllegalStateException {
        InUse(Path dir, String holder) {
            super("the data directory " + dir + " is in use by " + describe(holder)
                    + ": two processes on one data directory would overwrite each other's state and stop each other's tasks; "
                    + "stop that one first, or give this one a data directory of its own");
        }

        private static String describe(String holder) {
            int space = holder.indexOf(' ');
            return space > 0 && holder.substring(0, space).chars().allMatch(Character::isDigit)
                    ? holder.substring(space + 1) + " (pid " + holder.substring(0, space) + ")" : holder;
        }
    }
}
