package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Files only the agent's user may read (its identity, a task's spec with its secrets): written whole, 0600 from the start. */
final class PrivateFiles {
    private PrivateFiles() {
    }

    /** Writes {@code bytes} to {@code file} through a temporary file created 0600 and an atomic rename. */
    static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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
