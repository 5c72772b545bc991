package dev.steward.allocator.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each stored token was last used, and from which address, as this allocator has seen since
 * it started (a leader since it took over): what the admin's token listing shows, to find tokens
 * nobody uses any more and a token used from where it should not be (as GitHub lists a token's
 * last use). In memory: a durable write per request would cost a disk sync (the API keeps a role's
 * or join token's in the store to the hour, {@code TokenUseKeeper}). A token's entry
 * is replaced at most once a second while its address stays the same, so an agent's heartbeats
 * cost a map read; it goes when the token does.
 */
public final class TokenUse {
    /** One use: when, and the address the connection came from (null: not known). */
    public record Use(Instant at, String from) {
    }

    private static final Duration COARSE = Duration.ofSeconds(1);
    private final ConcurrentHashMap<String, Use> byHash = new ConcurrentHashMap<>();

    /** The token with this hash was used at {@code at} from {@code from}. */
    public void used(String hash, Instant at, String from) {
        Use last = byHash.get(hash);
        if (last == null || !Objects.equals(last.from(), from) || !at.isBefore(last.at().plus(COARSE))) {
            byHash.put(hash, new Use(at, from));
        }
    }

    /** Its last use since the allocator started, or null. */
    public Use last(String hash) {
        return byHash.get(hash);
    }

    /** Forgets the uses of tokens no longer stored (revoked, expired and swept, an agent forgotten). */
    public void retainOnly(Set<String> hashes) {
        byHash.keySet().retainAll(hashes);
    }
}
