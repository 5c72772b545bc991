package dev.steward.allocator.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Minting, hashing and the token files of the data directory. */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {
    }

    /** A new random token: a prefix saying what it is for, then 32 random bytes in hex. */
    public static String mint(String prefix) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return prefix + "_" + HexFormat.of().formatHex(b);
    }

    public static String hash(String token) {
        return dev.steward.api.AgentSignature.tokenHash(token);
    }

    /**
     * The token in {@code file}: {@code given} if not null (written to the file), else the
     * file's content, else a new token written there with mode 0600.
     */
    public static String fromFile(Path file, String given, String prefix) throws IOException {
        if (given == null && Files.exists(file)) {
            String t = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!t.isEmpty()) {
                return t;
            }
        }
        String token = given != null ? given : mint(prefix);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return token;
    }

    /** Random ids for records: short, url-safe, unguessable enough to not collide. */
    public static String id() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
