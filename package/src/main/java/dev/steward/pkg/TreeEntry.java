package dev.steward.pkg;

import java.nio.file.Path;

/** One entry chosen for a package: a relative path with {@code /} separators, what it is, and where it comes from. */
public record TreeEntry(String path, Kind kind, boolean executable, long size, String linkTarget, Path source) {
    public enum Kind { DIRECTORY, FILE, SYMLINK }
}
