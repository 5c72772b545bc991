package dev.steward.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Files only the agent's user may read (its identity, a task's spec with its secrets): written whole, 0600 from the start. */
final class PrivateFiles {
    private PrivateFiles() {
    }

    private static final java.util.Set<StandardOpenOption> NEW = java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"));

    /**
     * Writes {@code bytes} to {@code file} through a temporary file created 0600 and an atomic
     * rename: the same system calls as an ordinary write and rename (a launch writes its pid this
     * way); a temporary file a crash left behind is removed first.
     */
    static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (SeekableByteChannel ch = create(tmp)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static final java.util.Set<StandardOpenOption> APPEND = java.util.EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND, StandardOpenOption.SYNC);

    /** Appends {@code bytes} to {@code file} and syncs it; a new file is created 0600 (a journal only the agent reads). */
    static void append(Path file, byte[] bytes) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file, APPEND, OWNER_ONLY)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    private static SeekableByteChannel create(Path tmp) throws IOException {
        try {
            return Files.newByteChannel(tmp, NEW, OWNER_ONLY);
        } catch (FileAlreadyExistsException left) {
            Files.delete(tmp);
            return Files.newByteChannel(tmp, NEW, OWNER_ONLY);
        }
    }

    /** The token in {@code file}, or a new one ({@code prefix}_ and 64 random hex digits) written there 0600 at first use. */
    static String token(Path file, String prefix) throws IOException {
        if (Files.exists(file)) {
            String t = Files.readString(file).trim();
            if (!t.isEmpty()) {
                return t;
            }
        }
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        String t = prefix + "_" + java.util.HexFormat.of().formatHex(b);
        write(file, (t + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return t;
    }
}
