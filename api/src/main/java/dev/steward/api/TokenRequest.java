package dev.steward.api;

/**
 * Body of {@code POST /v1/roles/NAME/tokens}: what the token is for, e.g. "jenkins-ci
 * controller", and how long it lives ({@code ttl}, e.g. {@code 90d}; absent: until revoked).
 */
public record TokenRequest(String description, String ttl) {
    /** The longest a token may be given to live: ten years. */
    public static final java.time.Duration MAX_TTL = java.time.Duration.ofDays(3650);

    /** The checked lifetime, or null for a token that lives until revoked; a clear error naming the field otherwise. */
    public java.time.Duration lifetime() {
        ControlChars.label("description", description, 256);
        if (ttl == null) {
            return null;
        }
        java.time.Duration d = Units.duration("ttl", ttl);
        if (d.compareTo(Limits.MIN_TTL) < 0 || d.compareTo(MAX_TTL) > 0) {
            throw new ValidationException("ttl", "is " + Units.format(d) + "; a token lives from " + Units.format(Limits.MIN_TTL) + " to "
                    + Units.format(MAX_TTL) + " (leave it out for a token that lives until it is revoked)");
        }
        return d;
    }
}
