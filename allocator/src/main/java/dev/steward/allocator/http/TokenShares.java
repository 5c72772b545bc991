package dev.steward.allocator.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many of a class's places each bearer token holds, and at most how many it may: so that
 * one client (a tenant's token, or every request without one) cannot take all the API's places
 * with requests it keeps open, and leave none for the other tenants. Keyed by the
 * {@code Authorization} header as sent; a missing, unknown or forbidden token never gets here
 * ({@link HttpApi#refuseEarly}). An entry lives only while its token has requests in flight.
 */
final class TokenShares {
    private final int max;
    private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();

    TokenShares(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("a token's share must be at least 1");
        }
        this.max = max;
    }

    int max() {
        return max;
    }

    /** Takes a place for {@code key} (null: no token); false when it already holds its share. */
    boolean take(String key) {
        boolean[] taken = {false};
        held.compute(key == null ? "" : key, (k, n) -> {
            int c = n == null ? 0 : n;
            if (c >= max) {
                return n;
            }
            taken[0] = true;
            return c + 1;
        });
        return taken[0];
    }

    /** Gives back a place {@link #take} gave. */
    void give(String key) {
        held.computeIfPresent(key == null ? "" : key, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Tokens with requests in flight (for tests). */
    int tokens() {
        return held.size();
    }
}
