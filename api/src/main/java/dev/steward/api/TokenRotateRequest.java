package dev.steward.api;

/**
 * Body of {@code POST /v1/tokens/ID/rotate}: how long the old token stays accepted beside the new
 * one ({@code grace}, e.g. {@code 1h}; 0s to 30d; absent: refused from the next call), so a CI
 * system's stored credential can be swapped with no moment where neither works.
 */
public record TokenRotateRequest(String grace) {
    /** The longest grace: thirty days. */
    public static final java.time.Duration MAX_GRACE = java.time.Duration.ofDays(30);

    /** The checked grace (zero when absent); a clear error naming the field otherwise. */
    public java.time.Duration graceDuration() {
        if (grace == null) {
            return java.time.Duration.ZERO;
        }
        java.time.Duration d = Units.duration("grace", grace);
        if (d.isNegative() || d.compareTo(MAX_GRACE) > 0) {
            throw new ValidationException("grace", "is " + Units.format(d) + "; the old token may stay accepted from 0s to " + Units.format(MAX_GRACE));
        }
        return d;
    }
}
