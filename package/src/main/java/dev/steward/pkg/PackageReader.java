package dev.steward.pkg;

import dev.steward.api.PackageManifest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads packages without writing anything: the manifest alone, or every entry checked by the
 * unpack rules. The allocator inspects each upload this way, so a hostile archive is refused
 * before anything can run it.
 */
public final class PackageReader {
    private PackageReader() {
    }

    /** What an inspection found: the manifest, the number of files and links, and the bytes the files expand to. */
    public record Inspected(PackageManifest manifest, int files, long expandedBytes) {
    }

    /** Reads every entry and checks it against the rules and limits; the stream is read to its end and not closed. */
    public static Inspected inspect(InputStream in, UnpackLimits limits) throws IOException {
        try {
            return inspectChecked(in, limits);
        } catch (RuntimeException e) {
            throw new PackageException(null, "the archive is corrupt: " + e.getMessage());
        }
    }

    private static Inspected inspectChecked(InputStream in, UnpackLimits limits) throws IOException {
        EntryRules rules = new EntryRules(limits);
        PackageManifest m = null;
        try (TarArchiveInputStream tar = open(in)) {
            TarArchiveEntry e;
            byte[] skip = new byte[1 << 16];
            while ((e = next(tar)) != null) {
                EntryRules.Checked c = rules.check(e);
                if (m == null) {
                    m = ManifestCodec.read(tar.readAllBytes());
                    continue;
                }
                long read = 0;
                int n;
                while ((n = tar.read(skip)) > 0) {
                    read += n;
                }
                if (read != c.size()) {
                    throw new PackageException(c.name(), "the archive is cut short");
                }
            }
        }
        if (m == null) {
            throw new PackageException(null, "not a Steward package: the archive is empty");
        }
        return new Inspected(m, rules.files(), rules.expandedBytes());
    }

    /** The manifest, read from the first entry only. */
    public static PackageManifest manifest(InputStream in) throws IOException {
        TarArchiveInputStream tar = open(in);
        TarArchiveEntry e = next(tar);
        if (e == null) {
            throw new PackageException(null, "not a Steward package: the archive is empty");
        }
        new EntryRules(UnpackLimits.DEFAULT).check(e);
        return ManifestCodec.read(tar.readAllBytes());
    }

    /** Opens the tar stream inside the zstd stream, refusing anything that is not zstd. */
    static TarArchiveInputStream open(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(new Unclosing(raw), 1 << 16);
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (!java.util.Arrays.equals(magic, PackageFormat.ZSTD_MAGIC)) {
            throw new PackageException(null, "not a Steward package: the bytes are not zstd-compressed");
        }
        return new TarArchiveInputStream(new BufferedInputStream(PackageFormat.decompress(in), 1 << 16), "UTF-8");
    }

    /** The next entry; a corrupt archive is a {@link PackageException}. */
    static TarArchiveEntry next(TarArchiveInputStream tar) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (PackageException e) {
            throw e;
        } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
            throw new PackageException(null, "the archive is corrupt: " + e.getMessage());
        }
    }

    /** Keeps the caller's stream open when the tar stream is closed. */
    private static final class Unclosing extends java.io.FilterInputStream {
        Unclosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
