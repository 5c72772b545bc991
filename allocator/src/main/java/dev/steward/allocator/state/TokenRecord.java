package dev.steward.allocator.state;

import java.time.Instant;

/** A stored token: only its SHA-256 hash, what kind of principal it stands for, and for whom. */
public record TokenRecord(String hash, Kind kind, String subject, String description, Instant createdAt) {
    public enum Kind { ROLE, AGENT }

    /** How many hex digits of the hash name a token: 64 bits, unique among any cluster's tokens. */
    public static final int ID_LENGTH = 16;

    /** The name the admin lists and revokes this token by: the start of its hash, never the token. */
    public static String idOf(String hash) {
        return hash.substring(0, ID_LENGTH);
    }
}
