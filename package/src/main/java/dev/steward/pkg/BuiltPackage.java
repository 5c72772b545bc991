package dev.steward.pkg;

import dev.steward.api.PackageManifest;

/** A package that was written: its digest and size, its manifest, its file count and expanded size. */
public record BuiltPackage(String digest, long size, PackageManifest manifest, int files, long expandedBytes) {
}
