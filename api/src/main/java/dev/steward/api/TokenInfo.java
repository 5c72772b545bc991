package dev.steward.api;

import java.time.Instant;

/**
 * A token the allocator knows, as the admin lists it: never the token itself. {@code id} is the
 * first 16 hex digits of the token's SHA-256 (what the allocator stores), enough to name it and
 * useless to call with. {@code kind} is {@code role}, {@code agent} or {@code join} (a minted join
 * token); {@code subject} the role's name, the agent's id, or the join token's own id.
 * {@code expiresAt}: when it stops being accepted (null: until revoked); an expired token is
 * listed until it is revoked. {@code usesLeft}: how many more agents a join token may join (null:
 * any number, or not a join token). {@code joined}: for a join token, the agents still known that
 * joined with it and where each join came from (empty for one that joined none; null for other
 * kinds), so an admin sees where a leaked token was used. {@code lastUsedAt} and
 * {@code lastUsedFrom}: when the token was last used and from which address (null: never); a
 * role's or join token's is kept in the store to the hour, an agent's only since the allocator
 * (the leader) started. {@code replacedBy}: the id of the token a rotation replaced this one with
 * ({@code POST /v1/tokens/ID/rotate}; it is accepted until {@code expiresAt}); null when not rotated.
 */
public record TokenInfo(String id, String kind, String subject, String description, Instant createdAt, Instant expiresAt, Integer usesLeft,
                        java.util.List<JoinedAgent> joined, Instant lastUsedAt, String lastUsedFrom, String replacedBy) {

    /** An agent that joined with a join token: its id, its name, and the address its join came from (null: not known). */
    public record JoinedAgent(String id, String name, String from) {
    }
}
