package dev.steward.pkg;

import dev.steward.api.Digests;
import dev.steward.api.PackageManifest;
import dev.steward.api.ValidationException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a package from a base directory: the manifest, then the files chosen by
 * {@link TreeScanner}, written as described in {@link PackageFormat}. The same files and
 * manifest give the same bytes, whatever the directory's path, the clock, the umask, owners or
 * creation order.
 *
 * <pre>{@code
 * BuiltPackage p = PackageBuilder.from(workspace)
 *         .include("build/libs/*.jar, config/**")
 *         .manifest(manifest)
 *         .writeTo(workspace.resolve("web.tar.zst"));
 * }</pre>
 */
public final class PackageBuilder {
    private final Path base;
    private final List<String> includes = new ArrayList<>();
    private final List<String> excludes = new ArrayList<>();
    private boolean defaultExcludes = true;
    private PackageManifest manifest;

    private PackageBuilder(Path base) {
        this.base = base;
    }

    public static PackageBuilder from(Path base) {
        return new PackageBuilder(base);
    }

    /** Adds include patterns (a comma-separated list); none at all means {@code **}. */
    public PackageBuilder include(String patterns) {
        add(includes, patterns);
        return this;
    }

    public PackageBuilder exclude(String patterns) {
        add(excludes, patterns);
        return this;
    }

    /** Whether Ant's default excludes (.git, .svn, editor backups...) apply; on by default, as in Jenkins. */
    public PackageBuilder defaultExcludes(boolean on) {
        this.defaultExcludes = on;
        return this;
    }

    public PackageBuilder manifest(PackageManifest m) {
        this.manifest = m;
        return this;
    }

    private static void add(List<String> to, String patterns) {
        if (patterns != null) {
            for (String p : patterns.split(",")) {
                if (!p.isBlank()) {
                    to.add(p.trim());
                }
            }
        }
    }

    /** The entries the package will hold, after the globs; for a dry run. */
    public List<TreeEntry> entries() throws IOException {
        Globs in = Globs.of("include", includes.isEmpty() ? List.of("**") : includes);
        List<String> ex = new ArrayList<>(excludes);
        if (defaultExcludes) {
            ex.addAll(Globs.DEFAULT_EXCLUDES);
        }
        return new TreeScanner(base, in, Globs.of("exclude", ex)).scan();
    }

    /**
     * Writes the package to {@code target} (atomically: a partial file never has that name). The
     * partial file, {@code TARGET.part}, is made new (O_EXCL) after whatever had its name is
     * removed, so a link planted there is never written through.
     */
    public BuiltPackage writeTo(Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        try {
            BuiltPackage p;
            Files.deleteIfExists(tmp); // a link is removed, not followed
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
                p = writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return p;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the package to {@code out} (not closed). */
    public BuiltPackage writeTo(OutputStream out) throws IOException {
        if (manifest == null) {
            throw new ValidationException("manifest", "is required: a package needs at least a name");
        }
        PackageManifest m;
        try {
            m = manifest.validateNew();
        } catch (ValidationException e) {
            throw e.under("manifest");
        }
        List<TreeEntry> entries = entries();
        MessageDigest sha = sha256();
        Counting counted = new Counting(out);
        DigestOutputStream digesting = new DigestOutputStream(counted, sha);
        long expanded = 0;
        int files = 0;
        HandOff off = new HandOff(digesting, "steward-package-writer"); // hashing and writing beside reading and compressing
        try (off; TarArchiveOutputStream tar = new TarArchiveOutputStream(PackageFormat.compress(new Unclosed(off)), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            byte[] json = ManifestCodec.write(m);
            TarArchiveEntry me = entry(PackageManifest.FILE_NAME, TarConstants.LF_NORMAL, PackageFormat.FILE_MODE);
            me.setSize(json.length);
            tar.putArchiveEntry(me);
            tar.write(json);
            tar.closeArchiveEntry();
            for (TreeEntry e : entries) {
                switch (e.kind()) {
                    case DIRECTORY -> {
                        tar.putArchiveEntry(entry(e.path() + "/", TarConstants.LF_DIR, PackageFormat.DIR_MODE));
                        tar.closeArchiveEntry();
                    }
                    case SYMLINK -> {
                        TarArchiveEntry te = entry(e.path(), TarConstants.LF_SYMLINK, PackageFormat.LINK_MODE);
                        te.setLinkName(e.linkTarget());
                        tar.putArchiveEntry(te);
                        tar.closeArchiveEntry();
                        files++;
                    }
                    case FILE -> {
                        expanded += copy(tar, e);
                        files++;
                    }
                }
            }
            tar.finish();
        } // the tar and zstd streams close first, then the hand-off waits for every byte to be hashed and written
        return new BuiltPackage(Digests.of(sha.digest()), counted.count, m, files, expanded);
    }

    private static long copy(TarArchiveOutputStream tar, TreeEntry e) throws IOException {
        try (FileChannel ch = FileChannel.open(e.source(), StandardOpenOption.READ)) {
            long size = ch.size();
            TarArchiveEntry te = entry(e.path(), TarConstants.LF_NORMAL, e.executable() ? PackageFormat.EXEC_MODE : PackageFormat.FILE_MODE);
            te.setSize(size);
            tar.putArchiveEntry(te);
            InputStream in = Channels.newInputStream(ch);
            byte[] buf = new byte[1 << 16];
            long left = size;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new PackageException(e.path(), "the file shrank while it was being packaged; package a tree nothing writes to");
                }
                tar.write(buf, 0, n);
                left -= n;
            }
            if (in.read() >= 0) {
                throw new PackageException(e.path(), "the file grew while it was being packaged; package a tree nothing writes to");
            }
            tar.closeArchiveEntry();
            return size;
        }
    }

    private static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry te = new TarArchiveEntry(name, type);
        te.setMode(mode);
        te.setModTime(0L);
        te.setUserId(0);
        te.setGroupId(0);
        te.setUserName("");
        te.setGroupName("");
        return te;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts bytes written. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** Passes writes through but not close, so the caller's stream stays open. */
    private static final class Unclosed extends FilterOutputStream {
        Unclosed(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
