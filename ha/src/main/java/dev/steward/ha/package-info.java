/**
 * Several allocators on ZooKeeper: one leads, the others follow and take over when it dies.
 * The leader's engine writes each batch of commands through {@link dev.steward.ha.ReplicatedStore}:
 * first as an entry of a command log in ZooKeeper (a sequential znode, created in a multi-op that
 * checks the leader epoch, so a deposed leader's write fails whole), then into its own SQLite file.
 * Followers replay the log into their own SQLite files ({@link dev.steward.ha.Follower}); the
 * log is trimmed behind chunked snapshots. {@link dev.steward.ha.HaServer} runs one allocator:
 * it follows, answering clients with the leader's address ({@link dev.steward.ha.FollowerApi}),
 * until the election makes it leader; then it fences, catches up and serves as the leader. A
 * rotation of the secrets key is handed to every server before anything is sealed with it
 * ({@link dev.steward.ha.KeyHandover}). docs/ha.md has the design and the failure table.
 */
package dev.steward.ha;
