package dev.steward.api;

import java.time.Instant;

/**
 * A package the allocator stores: its digest and size, its manifest, when it was uploaded and
 * last referenced, and whether something (a live task, a service revision) refers to it now.
 * Unreferenced packages are removed once {@code lastUsedAt} is older than the retention.
 */
public record PackageInfo(String digest, long size, PackageManifest manifest, int files, long expandedBytes, Instant uploadedAt,
                          Instant lastUsedAt, boolean referenced, long createIndex, long modifyIndex) {
}
