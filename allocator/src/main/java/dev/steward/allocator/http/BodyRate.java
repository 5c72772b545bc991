package dev.steward.allocator.http;

import java.time.Duration;

/**
 * The slowest a request body may arrive: after a grace from the request's start, at least
 * {@code bytesPerSecond} on average. Pure: the caller measures the time and counts the bytes.
 * A client that stops sending, or trickles a byte now and then to keep its connection from going
 * idle, is refused once it falls behind, and gives back its place; a client on a slow link that
 * keeps up is never refused, however long its body.
 */
record BodyRate(long bytesPerSecond, Duration grace) {
    private static final long NANOS = 1_000_000_000L;

    BodyRate {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("the minimum body rate must be at least 1 byte a second");
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("the grace before the body rate counts must not be negative");
        }
    }

    /** The bytes that must have arrived {@code elapsedNanos} after the request's start. */
    long required(long elapsedNanos) {
        long counted = elapsedNanos - grace.toNanos();
        if (counted <= 0) {
            return 0;
        }
        return counted / NANOS * bytesPerSecond + counted % NANOS * bytesPerSecond / NANOS;
    }

    /** The time after the request's start at which {@code received} bytes are no longer enough. */
    long dueNanos(long received) {
        long seconds = (received + 1) / bytesPerSecond;
        long rest = (received + 1) % bytesPerSecond;
        return grace.toNanos() + seconds * NANOS + (rest * NANOS + bytesPerSecond - 1) / bytesPerSecond;
    }

    /** Whether {@code received} bytes {@code elapsedNanos} after the start are behind the rate. */
    boolean behind(long received, long elapsedNanos) {
        return received < required(elapsedNanos);
    }

    /** Why a body that fell behind was refused, for the client to read. */
    String refusal(long received, long declared, long elapsedNanos) {
        return "the request body arrived too slowly: " + received + (declared >= 0 ? " of " + declared : "") + " bytes in "
                + Math.max(1, elapsedNanos / NANOS) + " s, below the minimum of " + bytesPerSecond + " bytes a second (counted after the first "
                + grace.toSeconds() + " s)";
    }
}
