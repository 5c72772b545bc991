package dev.steward.api;

/**
 * A newly minted role token, shown only this once; {@code id} names it afterwards (in
 * {@code GET /v1/tokens} and to revoke it with {@code DELETE /v1/tokens/ID}) without being it.
 */
public record TokenIssued(String role, String token, String description, String id) {
}
