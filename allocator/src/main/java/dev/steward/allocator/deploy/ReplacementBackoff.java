package dev.steward.allocator.deploy;

import java.time.Duration;
import java.time.Instant;

/**
 * The wait between replacements of a service's failed or lost instances, as a crash loop's
 * back-off: 2 s after the first replacement, doubling with each one to at most 60 s. A deploy, a
 * success or a rollback starts it over. So does calm: a replacement made once the last backoff has
 * been over for {@link #CALM} counts as the first again, as Kubernetes resets a container's
 * back-off after it has run 10 minutes. Without that, a long-lived service's occasional losses
 * added up for good, and every loss after the sixth waited the whole minute behind the one before.
 */
record ReplacementBackoff(int replacements, Instant notBefore) {
    /** How long the backoff must have been over before the count starts over. */
    static final Duration CALM = Duration.ofMinutes(10);
    static final Duration MAX = Duration.ofSeconds(60);

    /** After one more replacement at {@code now}, the service's last count {@code replacements} and backoff end {@code notBefore} (null: none yet). */
    static ReplacementBackoff after(int replacements, Instant notBefore, Instant now) {
        boolean calm = notBefore == null || !now.isBefore(notBefore.plus(CALM));
        int n = calm ? 1 : replacements + 1;
        return new ReplacementBackoff(n, now.plus(wait(n)));
    }

    /** The wait after the {@code n}th replacement: 2, 4, 8, 16, 32, then 60 s. */
    static Duration wait(int n) {
        return Duration.ofSeconds(Math.min(MAX.toSeconds(), 1L << Math.min(Math.max(n, 1), 6)));
    }
}
