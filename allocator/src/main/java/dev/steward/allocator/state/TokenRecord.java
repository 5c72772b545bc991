package dev.steward.allocator.state;

import java.time.Instant;

/** A stored token: only its SHA-256 hash, what kind of principal it stands for, and for whom. */
public record TokenRecord(String hash, Kind kind, String subject, String description, Instant createdAt) {
    public enum Kind { ROLE, AGENT }
}
