package dev.steward.api;

/**
 * Body of {@code POST /v1/join-tokens}: a join token the admin mints for one machine or a batch
 * of them, as {@code kubeadm token create} does: what it is for, how long it lives ({@code ttl},
 * 24 hours when absent) and how many agents it may join ({@code uses}; absent: any number until
 * it expires).
 */
public record JoinTokenRequest(String description, String ttl, Integer uses) {
    /** How long a join token lives when the request does not say. */
    public static final java.time.Duration DEFAULT_TTL = java.time.Duration.ofHours(24);
    /** The most agents one join token may be good for. */
    public static final int MAX_USES = 100_000;

    /** The checked lifetime (24 hours when absent); a clear error naming the field otherwise. */
    public java.time.Duration lifetime() {
        java.time.Duration d = new TokenRequest(description, ttl).lifetime();
        return d == null ? DEFAULT_TTL : d;
    }

    /** The checked number of uses, or null for any number; a clear error naming the field otherwise. */
    public Integer checkedUses() {
        if (uses != null && (uses < 1 || uses > MAX_USES)) {
            throw new ValidationException("uses", "is " + uses + "; a join token joins from 1 to " + MAX_USES + " agents (leave it out for any number "
                    + "until it expires)");
        }
        return uses;
    }
}
