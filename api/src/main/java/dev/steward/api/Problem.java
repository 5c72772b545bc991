package dev.steward.api;

/**
 * An error body ({@code application/problem+json}, RFC 9457): {@code status}, a short
 * {@code title}, a {@code detail} a user can act on and, for bad input, the {@code field}.
 */
public record Problem(String type, String title, int status, String detail, String field) {
}
