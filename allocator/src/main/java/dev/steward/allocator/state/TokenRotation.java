package dev.steward.allocator.state;

import java.time.Duration;
import java.time.Instant;

/**
 * Rotating a role's token ({@code steward tokens rotate}, as GitLab rotates an access token): a
 * new token for the same role, with the same description and lifetime, and the old one accepted
 * for a grace period only (none by default: refused from the next call), so a CI system's stored
 * credential can be swapped without a moment where neither works. The old token names its
 * replacement, so a call with it after the grace is told which token took its place. Only a
 * role's token rotates: an agent's token is its identity (a new agent joins with a new one), and
 * a join token is minted afresh.
 */
public final class TokenRotation {
    private TokenRotation() {
    }

    /**
     * Replaces the token named {@code id} with the one whose hash is {@code newHash}; the old one is
     * accepted until {@code now + grace} (or its own expiry, if sooner). Returns {old as now, new}.
     */
    static TokenRecord[] rotate(ClusterState s, String id, String newHash, Duration grace, Instant now) {
        TokenRecord old = find(s, id);
        if (old.kind() != TokenRecord.Kind.ROLE) {
            throw new Conflict(old.kind() == TokenRecord.Kind.AGENT
                    ? "token " + id + " is agent " + old.subject() + "'s: an agent's token is its identity and does not rotate; revoke it, and the machine "
                    + "joins again as a new agent"
                    : "token " + id + " is a join token, which does not rotate: mint another with 'steward tokens create --join' and revoke this one");
        }
        if (old.replacedBy() != null) {
            throw new Conflict("token " + id + " was already rotated: token " + old.replacedBy() + " replaced it");
        }
        if (old.expiresAt() != null && !now.isBefore(old.expiresAt())) {
            throw new Conflict("token " + id + " expired at " + old.expiresAt() + ": there is nothing to rotate; mint another with 'steward tokens create "
                    + old.subject() + "'");
        }
        Instant newExpiry = old.expiresAt() == null ? null : now.plus(Duration.between(old.createdAt(), old.expiresAt()));
        TokenRecord fresh = new TokenRecord(newHash, TokenRecord.Kind.ROLE, old.subject(), old.description(), now, newExpiry);
        Instant until = now.plus(grace);
        TokenRecord retired = old.replaced(TokenRecord.idOf(newHash), old.expiresAt() != null && old.expiresAt().isBefore(until) ? old.expiresAt() : until);
        s.addToken(retired);
        s.addToken(fresh);
        return new TokenRecord[] {retired, fresh};
    }

    /** The token named {@code id} (the start of its hash), or a 404. */
    static TokenRecord find(ClusterState s, String id) {
        if (id != null && id.length() == TokenRecord.ID_LENGTH) {
            for (TokenRecord t : s.tokens.values()) {
                if (t.hash().startsWith(id)) {
                    return t;
                }
            }
        }
        throw new NotFound("token", id);
    }
}
