package dev.steward.allocator.state;

/**
 * Revoking a token by its id (the start of its hash, {@link TokenRecord#idOf}): its row is
 * removed in the same durable command, so it is refused from the next call on, and after any
 * restart.
 */
final class TokenRevocation {
    private TokenRevocation() {
    }

    static TokenRecord revoke(ClusterState s, String id) {
        TokenRecord found = TokenRotation.find(s, id);
        s.tokens.remove(found.hash());
        s.changes.tokens.remove(found.hash());
        s.removed.add(found.hash());
        return found;
    }
}
