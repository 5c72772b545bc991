package dev.steward.api;

/**
 * A newly minted role token, shown only this once; {@code id} names it afterwards (in
 * {@code GET /v1/tokens} and to revoke it with {@code DELETE /v1/tokens/ID}) without being it.
 * {@code expiresAt}: when it stops being accepted, or null when it lives until revoked.
 */
public record TokenIssued(String role, String token, String description, String id, java.time.Instant expiresAt) {
}
