package dev.steward.api;

import java.time.Instant;

/**
 * A token the allocator knows, as the admin lists it: never the token itself. {@code id} is the
 * first 16 hex digits of the token's SHA-256 (what the allocator stores), enough to name it and
 * useless to call with. {@code kind} is {@code role} or {@code agent}; {@code subject} the role's
 * name or the agent's id. {@code expiresAt}: when it stops being accepted (null: until revoked);
 * an expired token is listed until it is revoked.
 */
public record TokenInfo(String id, String kind, String subject, String description, Instant createdAt, Instant expiresAt) {
}
