package dev.steward.pkg;

import dev.steward.api.PackageManifest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a package into an empty directory, safely. Each entry passes {@link EntryRules}
 * before anything is written; files are created new (never through an existing path or
 * symlink) under directories checked to be real directories; sizes are counted as bytes
 * arrive, not trusted from headers. After the last entry every symlink is resolved and must
 * land inside the directory. On any refusal, everything written is removed and the reason is
 * thrown as a {@link PackageException}.
 */
public final class Unpacker {
    private final UnpackLimits limits;

    public Unpacker(UnpackLimits limits) {
        this.limits = limits;
    }

    /** What was unpacked. */
    public record Unpacked(PackageManifest manifest, int files, long expandedBytes) {
    }

    /** Unpacks {@code in} (not closed) into {@code target}, which must be empty or absent. */
    public Unpacked unpack(InputStream in, Path target) throws IOException {
        Files.createDirectories(target);
        try (var list = Files.list(target)) {
            if (list.findAny().isPresent()) {
                throw new PackageException(null, "the target directory " + target + " is not empty");
            }
        }
        Path root = target.toRealPath();
        try {
            return write(in, root);
        } catch (RuntimeException e) {
            clear(root);
            throw new PackageException(null, "the archive is corrupt: " + e.getMessage());
        } catch (IOException e) {
            clear(root);
            throw e;
        }
    }

    private Unpacked write(InputStream in, Path root) throws IOException {
        EntryRules rules = new EntryRules(limits);
        PackageManifest manifest = null;
        List<Path> links = new ArrayList<>();
        byte[] buf = new byte[1 << 16];
        try (TarArchiveInputStream tar = PackageReader.open(in)) {
            TarArchiveEntry e;
            while ((e = PackageReader.next(tar)) != null) {
                EntryRules.Checked c = rules.check(e);
                if (manifest == null) {
                    byte[] json = tar.readAllBytes();
                    manifest = ManifestCodec.read(json);
                    Files.write(root.resolve(PackageManifest.FILE_NAME), json, StandardOpenOption.CREATE_NEW, LinkOption.NOFOLLOW_LINKS);
                    continue;
                }
                Path p = root.resolve(c.name());
                if (!p.normalize().startsWith(root)) {
                    throw new PackageException(c.name(), "refused: the path leaves the sandbox");
                }
                switch (c.kind()) {
                    case DIRECTORY -> directories(root, c.name());
                    case FILE -> {
                        directories(root, parent(c.name()));
                        long got = 0;
                        try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                            int n;
                            while ((n = tar.read(buf)) > 0) {
                                got += n;
                                if (got > c.size()) {
                                    throw new PackageException(c.name(), "refused: more bytes than its header says");
                                }
                                out.write(buf, 0, n);
                            }
                        }
                        if (got != c.size()) {
                            throw new PackageException(c.name(), "the archive is cut short");
                        }
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(c.executable() ? "rwxr-xr-x" : "rw-r--r--"));
                    }
                    case SYMLINK -> {
                        directories(root, parent(c.name()));
                        Files.createSymbolicLink(p, p.getFileSystem().getPath(c.link()));
                        links.add(p);
                    }
                    case HARDLINK -> {
                        directories(root, parent(c.name()));
                        Path existing = root.resolve(c.link());
                        if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
                            throw new PackageException(c.name(), "refused: a hard link to " + c.link() + ", which is not a file in the package");
                        }
                        Files.createLink(p, existing);
                    }
                }
            }
        }
        if (manifest == null) {
            throw new PackageException(null, "not a Steward package: the archive is empty");
        }
        for (Path l : links) {
            Path to = resolve(root, l, 0);
            if (to == null || !to.startsWith(root)) {
                throw new PackageException(root.relativize(l).toString(), "refused: a symlink that resolves outside the package (-> "
                        + Files.readSymbolicLink(l) + ", through the links it passes)");
            }
        }
        return new Unpacked(manifest, rules.files(), rules.expandedBytes());
    }

    /**
     * Where the symlink {@code link} leads, following every symlink on the way as the kernel
     * would, and lexically past the first missing component; null if it climbs above
     * {@code root} at any step or loops.
     */
    private static Path resolve(Path root, Path link, int depth) throws IOException {
        if (depth > 40) {
            return null;
        }
        Path at = link.getParent();
        for (Path seg : Files.readSymbolicLink(link)) {
            String s = seg.toString();
            if (s.equals(".") || s.isEmpty()) {
                continue;
            }
            if (s.equals("..")) {
                if (at.equals(root)) {
                    return null;
                }
                at = at.getParent();
                continue;
            }
            at = at.resolve(s);
            if (Files.isSymbolicLink(at)) {
                at = resolve(root, at, depth + 1);
                if (at == null) {
                    return null;
                }
            }
            if (!at.startsWith(root)) {
                return null;
            }
        }
        return at;
    }

    private static String parent(String name) {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? "" : name.substring(0, slash);
    }

    /** Creates {@code rel}'s directories one by one; each existing one must be a real directory, not a symlink. */
    private static void directories(Path root, String rel) throws IOException {
        if (rel.isEmpty()) {
            return;
        }
        Path at = root;
        for (String seg : rel.split("/")) {
            at = at.resolve(seg);
            if (Files.isSymbolicLink(at)) {
                throw new PackageException(rel, "refused: the path passes through the symlink " + root.relativize(at));
            }
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(at, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
            } else if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                throw new PackageException(rel, "refused: the path passes through " + root.relativize(at) + ", which is not a directory");
            }
        }
    }

    /** Removes everything under {@code root} without following symlinks; {@code root} stays. */
    public static void clear(Path root) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (!dir.equals(root)) {
                    Files.delete(dir);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
