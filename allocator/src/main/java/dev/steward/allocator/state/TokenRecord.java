package dev.steward.allocator.state;

import java.time.Instant;

/**
 * A stored token: only its SHA-256 hash, what kind of principal it stands for, for whom, and
 * until when it is accepted ({@code expiresAt}; null, as in every row stored before tokens could
 * expire: until revoked).
 */
public record TokenRecord(String hash, Kind kind, String subject, String description, Instant createdAt, Instant expiresAt) {
    public enum Kind { ROLE, AGENT }

    /** How many hex digits of the hash name a token: 64 bits, unique among any cluster's tokens. */
    public static final int ID_LENGTH = 16;

    /** The name the admin lists and revokes this token by: the start of its hash, never the token. */
    public static String idOf(String hash) {
        return hash.substring(0, ID_LENGTH);
    }
}
