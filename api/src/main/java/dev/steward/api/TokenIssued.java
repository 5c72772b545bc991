package dev.steward.api;

/** A newly minted role token, shown only this once. */
public record TokenIssued(String role, String token, String description) {
}
