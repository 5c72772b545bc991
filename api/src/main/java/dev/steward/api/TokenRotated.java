package dev.steward.api;

/**
 * A role's token rotated: the new token, shown only this once ({@code token}, named {@code id}
 * afterwards; accepted until {@code expiresAt}, null: until revoked), and the one it replaced
 * ({@code replaced}, its id), accepted until {@code replacedUntil}.
 */
public record TokenRotated(String role, String token, String description, String id, java.time.Instant expiresAt, String replaced,
                           java.time.Instant replacedUntil) {
}
