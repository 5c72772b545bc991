/**
 * A data directory held by one process at a time ({@link dev.steward.datadir.DataDirLock}): the
 * allocator, an HA allocator and the agent each hold theirs while they run, so a second one started
 * on the same directory (a second {@code steward dev}, a restore into a running server's directory)
 * is refused with a reason naming the holder, instead of sharing its database and its tasks.
 */
package dev.steward.datadir;
