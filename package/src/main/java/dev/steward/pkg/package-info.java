/**
 * Steward packages: a build's files plus the manifest {@code steward.json}, in a tar archive
 * compressed with zstd, addressed by the SHA-256 of its bytes. {@link dev.steward.pkg.PackageBuilder}
 * selects files with Jenkins-style globs ({@link dev.steward.pkg.Globs}) and writes deterministic
 * bytes: the manifest first, then entries in sorted order, times zero, owners root, and only the
 * executable bit kept from permissions. {@link dev.steward.pkg.Unpacker} opens a package into a
 * directory and refuses anything that could write outside it or exhaust the disk. The library has
 * no server dependencies (it runs on Jenkins agents); its zstd is the pinned native library of
 * zstd-jni, so the same inputs give the same bytes on every machine running one Steward version.
 */
package dev.steward.pkg;
