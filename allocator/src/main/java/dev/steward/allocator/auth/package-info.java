/**
 * Bearer tokens. The admin token and the cluster join token live in files in the data
 * directory (mode 0600), generated at first start unless given; role and agent tokens are
 * minted by the allocator and stored only as SHA-256 hashes. A token resolves to a
 * {@link dev.steward.allocator.auth.Principal}, which the handlers check.
 */
package dev.steward.allocator.auth;
