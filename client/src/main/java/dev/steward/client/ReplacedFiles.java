package dev.steward.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file the CLI or a step writes where its user says (a snapshot, a monitor's report), written
 * whole or not at all, and never through a link: the bytes go to a new file beside the target,
 * made with O_EXCL under a name no one can guess, made durable, given its mode, and renamed over
 * the target. A link planted at the target's name (in /tmp, a shared workspace) is replaced, not
 * followed, and a reader never sees half a file.
 */
public final class ReplacedFiles {
    /** Readable by its owner alone: a file that holds what a token may read. */
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    /** Readable by all, as a report for a build's archive or a web server. */
    public static final Set<PosixFilePermission> SHARED = PosixFilePermissions.fromString("rw-r--r--");

    private ReplacedFiles() {
    }

    /**
     * Replaces {@code target} with {@code bytes}, mode {@code mode} (the umask does not apply). On
     * a file system without POSIX modes (a Jenkins controller on Windows) the file gets the
     * directory's default access instead.
     */
    public static void write(Path target, byte[] bytes, Set<PosixFilePermission> mode) throws IOException {
        Path to = target.toAbsolutePath();
        boolean posix = to.getFileSystem().supportedFileAttributeViews().contains("posix");
        String prefix = "." + to.getFileName() + ".";
        Path tmp = posix ? Files.createTempFile(to.getParent(), prefix, ".tmp", PosixFilePermissions.asFileAttribute(PRIVATE))
                : Files.createTempFile(to.getParent(), prefix, ".tmp");
        try {
            try (FileChannel ch = posix ? FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                    : FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(tmp, mode);
            }
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
