package dev.steward.allocator.state;

/**
 * Join tokens the admin minted, as a join uses them: checked (changing nothing) before the agent
 * is registered, then used up by one in the same command, so a token good for one agent joins
 * one however many machines try it at once, and a join refused for its own reasons uses nothing.
 */
final class JoinTokens {
    private JoinTokens() {
    }

    /** The minted join token {@code id} ({@link TokenRecord#idOf}) if it may join one more agent; refused (403) once used up or revoked. */
    static TokenRecord usable(ClusterState s, String id) {
        TokenRecord t = null;
        for (TokenRecord x : s.tokens.values()) {
            if (x.kind() == TokenRecord.Kind.JOIN && x.subject().equals(id)) {
                t = x;
                break;
            }
        }
        if (t == null) {
            throw new Forbidden("join token " + id + " was revoked; the admin mints another with 'steward tokens create --join'");
        }
        if (t.usedUp()) {
            throw new Forbidden("join token " + id + " has joined as many agents as it was minted for; the admin mints another with "
                    + "'steward tokens create --join'");
        }
        return t;
    }

    /**
     * Forgets the join tokens that can join no more agents, as Kubernetes' token cleaner does:
     * those expired before {@code horizon} (the retention ago), and those used up and minted
     * before it. One per machine would otherwise pile up in the token list for ever; until then
     * each is listed, and refused saying why.
     */
    static void forgetSpent(ClusterState s, java.time.Instant horizon) {
        for (TokenRecord t : java.util.List.copyOf(s.tokens.values())) {
            if (t.kind() == TokenRecord.Kind.JOIN && (t.expiresAt() != null && t.expiresAt().isBefore(horizon) || t.usedUp() && t.createdAt().isBefore(horizon))) {
                s.tokens.remove(t.hash());
                s.changes.tokens.remove(t.hash());
                s.removed.add(t.hash());
            }
        }
    }

    /** Uses one join of {@code t}, as {@link #usable} returned it in this command. */
    static void use(ClusterState s, TokenRecord t) {
        if (t.usesLeft() != null) {
            s.addToken(t.withUsesLeft(t.usesLeft() - 1));
        }
    }
}
