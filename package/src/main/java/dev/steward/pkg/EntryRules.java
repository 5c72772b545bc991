package dev.steward.pkg;

import dev.steward.api.PackageManifest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.util.HashMap;
import java.util.Map;

/**
 * The rules every archive entry must pass, in order, before a byte of it is written: a
 * manifest first; safe relative names; no entry twice; only files, directories and symlinks
 * or hard links that stay inside; counts and sizes within {@link UnpackLimits}. Shared by the
 * allocator's check at upload and the agent's unpack.
 */
final class EntryRules {
    enum Kind { DIRECTORY, FILE, SYMLINK, HARDLINK }

    /** An entry that passed: its clean name, kind, whether executable, and link target. */
    record Checked(String name, Kind kind, boolean executable, long size, String link) {
    }

    private final UnpackLimits limits;
    private final Map<String, Kind> seen = new HashMap<>();
    private int entries;
    private long bytes;
    private boolean manifestSeen;

    EntryRules(UnpackLimits limits) {
        this.limits = limits;
    }

    int files() {
        return (int) seen.values().stream().filter(k -> k != Kind.DIRECTORY).count() - (manifestSeen ? 1 : 0);
    }

    long expandedBytes() {
        return bytes;
    }

    Checked check(TarArchiveEntry e) throws PackageException {
        String raw = e.getName();
        if (++entries > limits.maxEntries()) {
            throw new PackageException(null, "the archive has more than " + limits.maxEntries() + " entries, the limit");
        }
        String name = clean(raw);
        if (!manifestSeen) {
            if (!name.equals(PackageManifest.FILE_NAME) || !e.isFile()) {
                throw new PackageException(raw, "not a Steward package: the first entry must be " + PackageManifest.FILE_NAME);
            }
            if (e.getSize() > UnpackLimits.MAX_MANIFEST_BYTES) {
                throw new PackageException(raw, "the manifest is " + e.getSize() + " bytes, above the limit of 1 MiB");
            }
            manifestSeen = true;
            seen.put(name, Kind.FILE);
            return new Checked(name, Kind.FILE, false, e.getSize(), null);
        }
        String why = Paths.unsafeName(name);
        if (why != null) {
            throw new PackageException(raw, "refused: " + why + " could write outside the sandbox");
        }
        if (name.length() > limits.maxPathLength()) {
            throw new PackageException(raw.substring(0, Math.min(60, raw.length())) + "...", "the path is " + name.length() + " characters long, above the limit of " + limits.maxPathLength());
        }
        if (name.split("/").length > limits.maxDepth()) {
            throw new PackageException(raw, "the path is deeper than " + limits.maxDepth() + " directories, the limit");
        }
        Kind kind;
        String link = null;
        if (e.isDirectory()) {
            kind = Kind.DIRECTORY;
        } else if (e.isSymbolicLink()) {
            kind = Kind.SYMLINK;
            link = e.getLinkName();
            String esc = Paths.escapes(name, link);
            if (esc != null) {
                throw new PackageException(raw, "refused: a symlink that points outside the package (-> " + link + "): " + esc);
            }
        } else if (e.isLink()) {
            kind = Kind.HARDLINK;
            link = clean(e.getLinkName());
            String unsafe = Paths.unsafeName(link);
            if (unsafe != null) {
                throw new PackageException(raw, "refused: a hard link to " + e.getLinkName() + ", " + unsafe + " outside the package");
            }
            if (seen.get(link) != Kind.FILE || link.equals(PackageManifest.FILE_NAME)) {
                throw new PackageException(raw, "refused: a hard link to " + e.getLinkName() + ", which is not a file earlier in the package");
            }
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            throw new PackageException(raw, "refused: a device file");
        } else if (e.isFIFO()) {
            throw new PackageException(raw, "refused: a named pipe");
        } else if (e.isFile() && !e.isSparse()) {
            kind = Kind.FILE;
        } else {
            throw new PackageException(raw, "refused: an entry of type '" + (char) e.getLinkFlag() + "' (only files, directories and links are allowed)");
        }
        Kind before = seen.putIfAbsent(name, kind);
        if (before != null && !(before == Kind.DIRECTORY && kind == Kind.DIRECTORY)) {
            throw new PackageException(raw, "refused: the path appears twice in the archive");
        }
        // a path below an earlier symlink would be written through it; parents become directories
        for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
            Kind parent = seen.putIfAbsent(name.substring(0, slash), Kind.DIRECTORY);
            if (parent != null && parent != Kind.DIRECTORY) {
                throw new PackageException(raw, "refused: the path passes through " + name.substring(0, slash) + ", which is not a directory");
            }
        }
        long size = kind == Kind.FILE ? e.getSize() : 0;
        if (size < 0 || bytes + size > limits.maxExpandedBytes()) {
            throw new PackageException(raw, "refused: the package expands past the limit of " + human(limits.maxExpandedBytes()));
        }
        bytes += size;
        return new Checked(name, kind, (e.getMode() & 0100) != 0, size, link);
    }

    /** The name without a leading {@code ./} or a trailing {@code /}. */
    private static String clean(String raw) {
        String n = raw;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.endsWith("/") && n.length() > 1) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        return bytes + " bytes";
    }
}
