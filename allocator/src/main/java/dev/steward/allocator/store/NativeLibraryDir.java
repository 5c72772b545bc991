package dev.steward.allocator.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where sqlite-jdbc puts its native library. It copies the library (1.1 MB) into the temporary
 * directory at every start, under a new name, and deletes it at a normal exit only: a process
 * killed (kill -9, the kernel's OOM killer, a service manager's stop timeout) leaves it behind for
 * good, since its cleanup spares every copy whose lock file is left too (sqlite-jdbc issue 1140).
 * Measured here: 485 copies, 514 MB, left in {@code /tmp} by the allocators that tests kill.
 * <p>
 * So each process extracts it into a directory of its own, {@code TMP/steward-sqlite-USER/PID-START}
 * (its pid and the time it started, so that a pid used again is not taken for it), and every
 * start removes the directories of processes that are no longer running. The parent is made
 * 0700 and used only if it is a real directory of this user's with no other permission: else
 * (another user's, a symbolic link) sqlite-jdbc keeps its own way. An operator's own
 * {@code -Dorg.sqlite.tmpdir} is left as it is.
 */
final class NativeLibraryDir {
    private static final Logger LOG = Logger.getLogger(NativeLibraryDir.class.getName());
    static final String PROPERTY = "org.sqlite.tmpdir";
    private static boolean prepared;

    private NativeLibraryDir() {
    }

    /** Once per process, before sqlite-jdbc first loads: sets {@code org.sqlite.tmpdir} to this process's own directory. */
    static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty(PROPERTY) != null) {
            return;
        }
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "steward-sqlite-" + System.getProperty("user.name", "user"));
        try {
            Path own = prepare(base, ProcessHandle.current());
            if (own != null) {
                System.setProperty(PROPERTY, own.toString());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "sqlite-jdbc extracts its native library as it does by default: " + e.getMessage(), e);
        }
    }

    /**
     * Makes {@code base} if needed, removes the directories in it of processes that are gone,
     * and makes {@code self}'s, to be deleted at a normal exit. Null when {@code base} is not a
     * safe place (not a directory of this user's alone).
     */
    static Path prepare(Path base, ProcessHandle self) throws IOException {
        if (!Files.exists(base, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException made) {
                // by another process starting now
            }
        }
        PosixFileAttributes a = Files.readAttributes(base, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory() || !a.owner().getName().equals(System.getProperty("user.name"))
                || !a.permissions().equals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE))) {
            return null;
        }
        sweep(base);
        Path own = base.resolve(name(self));
        Files.createDirectories(own);
        own.toFile().deleteOnExit(); // registered before sqlite-jdbc's files, so deleted after them
        return own;
    }

    /** A process's directory name: its pid and when it started (milliseconds), or its pid alone if the system does not say. */
    static String name(ProcessHandle p) {
        Optional<java.time.Instant> start = p.info().startInstant();
        return p.pid() + "-" + start.map(java.time.Instant::toEpochMilli).map(String::valueOf).orElse("0");
    }

    /** Removes the directories in {@code base} whose process is not running (a name not of the form PID-START is left alone). */
    static void sweep(Path base) throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base)) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                int dash = n.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(n.substring(0, Math.max(0, dash)));
                } catch (NumberFormatException e) {
                    continue;
                }
                boolean running = ProcessHandle.of(pid).map(p -> name(p).equals(n)).orElse(false);
                if (!running) {
                    removeTree(d);
                }
            }
        }
    }

    private static void removeTree(Path d) {
        try (var all = Files.walk(d)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // removed by another process starting now, or not ours to remove: the next start tries again
                }
            });
        } catch (IOException e) {
            // gone meanwhile
        }
    }
}
