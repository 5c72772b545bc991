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
        TokenRecord found = null;
        if (id != null && id.length() == TokenRecord.ID_LENGTH) {
            for (TokenRecord t : s.tokens.values()) {
                if (t.hash().startsWith(id)) {
                    found = t;
                    break;
                }
            }
        }
        if (found == null) {
            throw new NotFound("token", id);
        }
        s.tokens.remove(found.hash());
        s.changes.tokens.remove(found.hash());
        s.removed.add(found.hash());
        return found;
    }
}
