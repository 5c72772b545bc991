/**
 * The artifact store: package bytes on disk, content-addressed. An upload streams into a file
 * under {@code incoming/} while its SHA-256 is computed, is checked against the digest it
 * claims and inspected entry by entry, made durable, and only then moved to
 * {@code sha256/<hex>} and recorded in the state; so a partial, corrupt or hostile upload is
 * never visible. Uploads under way promise their bytes first ({@code DiskReserve}), so together
 * they never take the disk the state needs. Downloads serve byte ranges. {@link dev.steward.allocator.packages.PackageSweeper}
 * removes packages nothing has used for the retention period.
 */
package dev.steward.allocator.packages;
