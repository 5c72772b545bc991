package dev.steward.client;

import dev.steward.api.Digests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A package download kept in {@code TARGET.part} until it is whole: an earlier try's bytes are
 * resumed with a range (from a regular file only: a link at that name is removed, and the part
 * file is opened without following one), and the whole is verified against its digest before
 * it takes the target's name (a mismatch deletes it). Shared by {@link PackageClient} and the agent's own
 * client, which is not on OkHttp; this class loads none of it.
 */
public final class PartialDownload {
    private PartialDownload() {
    }

    /** Where the bytes of {@code target} are kept until the download is whole. */
    public static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /** The {@code Range} to ask for, or null to ask for everything. */
    public static String range(Path target) throws IOException {
        Path part = partOf(target);
        if (!Files.isRegularFile(part, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(part); // a link planted at its name is removed, never resumed from or written through
            return null;
        }
        long have = Files.size(part);
        return have > 0 ? "bytes=" + have + "-" : null;
    }

    /**
     * Writes {@code body} into the part file (after what it holds when {@code append}: the server
     * answered the range with 206; over it otherwise), verifies the whole file against
     * {@code digest}, and renames it to {@code target}. Returns its size.
     */
    public static long complete(Path target, String digest, InputStream body, boolean append) throws IOException {
        Path part = partOf(target);
        MessageDigest sha = sha256();
        if (append) {
            try (InputStream in = new DigestInputStream(Files.newInputStream(part, LinkOption.NOFOLLOW_LINKS), sha)) {
                in.transferTo(OutputStream.nullOutputStream()); // the bytes kept count toward the digest
            }
        }
        try (InputStream in = body;
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[1 << 18];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        }
        String actual = Digests.of(sha.digest());
        if (!actual.equals(digest)) {
            Files.deleteIfExists(part);
            throw new IOException("the downloaded bytes have digest " + actual + ", not " + digest + "; the partial file was removed");
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Files.size(target);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
