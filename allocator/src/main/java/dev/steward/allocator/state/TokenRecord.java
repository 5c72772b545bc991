package dev.steward.allocator.state;

import java.time.Instant;

/**
 * A stored token: only its SHA-256 hash, what kind of principal it stands for, for whom, and
 * until when it is accepted ({@code expiresAt}; null, as in every row stored before tokens could
 * expire: until revoked). A minted join token ({@link Kind#JOIN}, whose subject is its own id)
 * may join {@code usesLeft} more agents (null: any number until it expires). {@code lastUsedAt} and
 * {@code lastUsedFrom}: its last use as last stored, to the hour ({@link dev.steward.allocator.auth.TokenUse}; null
 * for a token not used since this was kept, and for agents' tokens, whose use is their heartbeat).
 * {@code replacedBy}: the id of the token a rotation replaced this one with (null: not rotated).
 */
public record TokenRecord(String hash, Kind kind, String subject, String description, Instant createdAt, Instant expiresAt, Integer usesLeft,
                          Instant lastUsedAt, String lastUsedFrom, String replacedBy) {
    public enum Kind { ROLE, AGENT, JOIN }

    public TokenRecord(String hash, Kind kind, String subject, String description, Instant createdAt, Instant expiresAt) {
        this(hash, kind, subject, description, createdAt, expiresAt, null);
    }

    public TokenRecord(String hash, Kind kind, String subject, String description, Instant createdAt, Instant expiresAt, Integer usesLeft) {
        this(hash, kind, subject, description, createdAt, expiresAt, usesLeft, null, null, null);
    }

    /** The same token with {@code n} joins left. */
    public TokenRecord withUsesLeft(Integer n) {
        return new TokenRecord(hash, kind, subject, description, createdAt, expiresAt, n, lastUsedAt, lastUsedFrom, replacedBy);
    }

    /** The same token, last used at {@code at} from {@code from} (an address, or null). */
    public TokenRecord withLastUse(Instant at, String from) {
        return new TokenRecord(hash, kind, subject, description, createdAt, expiresAt, usesLeft, at, from, replacedBy);
    }

    /** The same token, replaced by the token {@code id} ({@link TokenRotation}) and accepted until {@code until}. */
    public TokenRecord replaced(String id, Instant until) {
        return new TokenRecord(hash, kind, subject, description, createdAt, until, usesLeft, lastUsedAt, lastUsedFrom, id);
    }

    /** Whether it may join no more agents. */
    public boolean usedUp() {
        return usesLeft != null && usesLeft <= 0;
    }

    /** How many hex digits of the hash name a token: 64 bits, unique among any cluster's tokens. */
    public static final int ID_LENGTH = 16;

    /** The name the admin lists and revokes this token by: the start of its hash, never the token. */
    public static String idOf(String hash) {
        return hash.substring(0, ID_LENGTH);
    }
}
