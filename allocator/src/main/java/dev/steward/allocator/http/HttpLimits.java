package dev.steward.allocator.http;

import java.time.Duration;

/**
 * The bounds of the HTTP transport, each a number a test or an operator can read:
 * connections at once (16,384: each agent parks one blocking query, so 10,000 agents and their clients fit), the thread pool and its queue, how long a connection may sit idle (a
 * request whose headers or body stop arriving counts as idle), the slowest body accepted, the
 * largest header block, and how many streamed transfers (package uploads and downloads, log
 * follows) may run at once, so that they can never take the threads agents and clients need.
 */
public record HttpLimits(int maxConnections, int maxThreads, int queue, Duration idleTimeout, long minBodyBytesPerSecond, int maxHeaderBytes,
                         int maxStreams) {
    public static final HttpLimits DEFAULTS = new HttpLimits(16_384, 64, 1024, Duration.ofSeconds(30), 1024, 16 * 1024, 16);
}
