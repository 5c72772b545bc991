package dev.steward.pkg;

import dev.steward.api.PackageManifest;
import dev.steward.api.ValidationException;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Chooses the entries of a package from a base directory: files and symlinks matched by an
 * include and by no exclude, plus their parent directories, in sorted order. Symlinks are not
 * followed; one that points outside the base directory (absolute, or climbing above it) is
 * refused, as is anything that is neither a file, a directory nor a symlink. Each include must
 * match something, so a typo fails the build instead of shipping an empty package.
 */
public final class TreeScanner {
    private final Path base;
    private final Globs includes;
    private final Globs excludes;

    public TreeScanner(Path base, Globs includes, Globs excludes) {
        this.base = base;
        this.includes = includes;
        this.excludes = excludes;
    }

    public List<TreeEntry> scan() throws IOException {
        if (!Files.isDirectory(base)) {
            throw new ValidationException("dir", base + " is not a directory");
        }
        TreeMap<String, TreeEntry> found = new TreeMap<>();
        boolean[] used = new boolean[includes.size()];
        List<PackageException> refused = new ArrayList<>();
        Files.walkFileTree(base, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String rel = relative(dir);
                return !rel.isEmpty() && excludes.coversTree(rel) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(file);
                if (excludes.matches(rel)) {
                    return FileVisitResult.CONTINUE;
                }
                boolean in = false;
                for (int i = 0; i < used.length; i++) {
                    if (includes.matches(i, rel)) {
                        used[i] = true;
                        in = true;
                    }
                }
                if (!in) {
                    return FileVisitResult.CONTINUE;
                }
                if (rel.equals(PackageManifest.FILE_NAME)) {
                    refused.add(new PackageException(rel, "the name is reserved for the package manifest; exclude this file or move it"));
                } else if (attrs.isSymbolicLink()) {
                    String target = Files.readSymbolicLink(file).toString();
                    String why = Paths.escapes(rel, target);
                    if (why != null) {
                        refused.add(new PackageException(rel, "a symlink that points outside the package (-> " + target + "): " + why));
                    } else {
                        found.put(rel, new TreeEntry(rel, TreeEntry.Kind.SYMLINK, false, 0, target.replace('\\', '/'), file));
                    }
                } else if (attrs.isRegularFile()) {
                    found.put(rel, new TreeEntry(rel, TreeEntry.Kind.FILE, executable(file), attrs.size(), null, file));
                } else {
                    refused.add(new PackageException(rel, "not a regular file, directory or symlink (a device, socket or pipe cannot be packaged)"));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                refused.add(new PackageException(relative(file), "cannot be read: " + exc.getMessage()));
                return FileVisitResult.CONTINUE;
            }
        });
        if (!refused.isEmpty()) {
            PackageException first = refused.get(0);
            if (refused.size() == 1) {
                throw first;
            }
            throw new PackageException(first.entry(), first.reason() + " (and " + (refused.size() - 1) + " more: "
                    + refused.stream().skip(1).limit(5).map(PackageException::entry).toList() + ")");
        }
        for (int i = 0; i < used.length; i++) {
            if (!used[i]) {
                throw new ValidationException("include", "'" + includes.pattern(i) + "' matched no file under " + base.toAbsolutePath()
                        + (excludes.isEmpty() ? "" : " (excludes: " + excludes + ")"));
            }
        }
        List<TreeEntry> out = new ArrayList<>();
        TreeMap<String, TreeEntry> dirs = new TreeMap<>();
        for (String rel : found.keySet()) {
            for (int slash = rel.indexOf('/'); slash > 0; slash = rel.indexOf('/', slash + 1)) {
                String d = rel.substring(0, slash);
                dirs.putIfAbsent(d, new TreeEntry(d, TreeEntry.Kind.DIRECTORY, true, 0, null, base.resolve(d)));
            }
        }
        found.putAll(dirs);
        out.addAll(found.values());
        return out;
    }

    private String relative(Path p) {
        return base.relativize(p).toString().replace('\\', '/');
    }

    private static boolean executable(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            return perms.contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (UnsupportedOperationException e) {
            return Files.isExecutable(file);
        }
    }
}
