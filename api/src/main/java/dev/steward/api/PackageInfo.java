package dev.steward.api;

import java.time.Instant;
import java.util.List;

/**
 * A package the allocator stores: its digest and size, its manifest, when it was uploaded and
 * last referenced, whether something (a live task, a service revision) refers to it now, and
 * the roles that may read and run it: each role that uploaded its bytes, or ran it (a deploy or
 * a task the admin made for the role). A role is shown only itself there; the admin every role.
 * Unreferenced packages are removed once {@code lastUsedAt} is older than the retention.
 */
public record PackageInfo(String digest, long size, PackageManifest manifest, int files, long expandedBytes, Instant uploadedAt,
                          Instant lastUsedAt, boolean referenced, List<String> roles, long createIndex, long modifyIndex) {
    /** This package with {@code roles} as its roles (what a caller is shown, or what it is given). */
    public PackageInfo withRoles(List<String> roles) {
        return new PackageInfo(digest, size, manifest, files, expandedBytes, uploadedAt, lastUsedAt, referenced, roles, createIndex, modifyIndex);
    }

    /** Whether {@code role} may read and run this package. */
    public boolean ownedBy(String role) {
        return roles != null && roles.contains(role);
    }
}
