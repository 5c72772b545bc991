package dev.steward.allocator.http;

import java.time.Duration;

/**
 * The bounds of the HTTP transport, each a number a test or an operator can read: connections
 * at once (16,384: each agent parks one blocking query, so 10,000 agents and their clients fit),
 * and from one remote address (1,024, {@link AddressLimit}; 0 for none, behind a proxy),
 * the thread pool (its queue is Jetty's unbounded one, held to a few jobs per connection by the
 * connection bound: Jetty must never reject its own jobs, which a full bounded queue did), how long a connection may sit idle (a request whose headers or
 * body stop arriving counts as idle), the slowest body accepted (1 KiB a second on average,
 * counted after the first 10 s: {@link BodyRate}, so a body that trickles a byte now and then to
 * stay clear of the idle timeout is refused all the same), the largest header block, and
 * what each class of traffic may hold at once ({@link TrafficClass}): agents' requests, API
 * clients' requests, clients' parked blocking queries, clients' streamed package transfers
 * (uploads and downloads: 16), and agents' package downloads (16 more, so no client's transfer,
 * however slow, keeps an agent from the package of its task). Each streamed transfer holds a
 * pool thread while it runs: the two transfer bounds together keep half the pool free. A class at its bound is answered 503 with Retry-After; the others
 * go on, so none can starve another, and agents' bound is the largest. With it, the proxies whose
 * {@code X-Forwarded-For} names the client ({@link TrustedProxies}; none by default).
 */
public record HttpLimits(int maxConnections, int maxConnectionsPerAddress, int maxThreads, Duration idleTimeout, long minBodyBytesPerSecond, Duration bodyGrace, int maxHeaderBytes,
                         int maxStreams, int maxAgentRequests, int maxClientRequests, int maxWatches, int maxAgentStreams,
                         TrustedProxies trustedProxies) {
    public static final HttpLimits DEFAULTS = new HttpLimits(16_384, 1_024, 64, Duration.ofSeconds(30), 1024, Duration.ofSeconds(10), 16 * 1024, 16,
            16_384, 256, 4_096, 16, TrustedProxies.NONE);

    public HttpLimits {
        java.util.Objects.requireNonNull(trustedProxies, "trustedProxies");
        if (minBodyBytesPerSecond < 1 || bodyGrace == null || bodyGrace.isNegative()) {
            throw new IllegalArgumentException("the slowest body must be at least 1 byte a second, counted after a grace of zero or more");
        }
        if (maxConnectionsPerAddress < 0) {
            throw new IllegalArgumentException("the connections per address must be 0 (no limit) or more");
        }
        if (maxConnections < 1 || maxThreads < 4 || maxStreams < 1 || maxAgentRequests < 1 || maxClientRequests < 1 || maxWatches < 1
                || maxAgentStreams < 1) {
            throw new IllegalArgumentException("every HTTP bound must be positive (and at least 4 threads)");
        }
    }

    /** The same bounds with these per-class limits: agents' requests, clients' requests, parked client queries, streamed transfers. */
    public HttpLimits withClasses(int agents, int clients, int watches, int streams) {
        return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, minBodyBytesPerSecond, bodyGrace, maxHeaderBytes,
                streams, agents, clients, watches, maxAgentStreams, trustedProxies);
    }

    /** The same bounds with this idle timeout (headers or a body that stop arriving). */
    public HttpLimits withIdleTimeout(Duration d) {
        return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, d, minBodyBytesPerSecond, bodyGrace, maxHeaderBytes, maxStreams,
                maxAgentRequests, maxClientRequests, maxWatches, maxAgentStreams, trustedProxies);
    }

    /** The same bounds with this slowest body: at least {@code bytesPerSecond} on average, counted after {@code grace}. */
    public HttpLimits withBodyRate(long bytesPerSecond, Duration grace) {
        return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, bytesPerSecond, grace, maxHeaderBytes, maxStreams,
                maxAgentRequests, maxClientRequests, maxWatches, maxAgentStreams, trustedProxies);
    }

    /** The same bounds with at most {@code n} connections at once from one remote address (0: no such limit; {@link AddressLimit}). */
    public HttpLimits withConnectionsPerAddress(int n) {
        return new HttpLimits(maxConnections, n, maxThreads, idleTimeout, minBodyBytesPerSecond, bodyGrace, maxHeaderBytes, maxStreams,
                maxAgentRequests, maxClientRequests, maxWatches, maxAgentStreams, trustedProxies);
    }

    /** The same bounds with at most {@code n} connections at once in all ({@link dev.steward.connections.ConnectionBudget}). */
    public HttpLimits withConnections(int n) {
        return new HttpLimits(n, maxConnectionsPerAddress, maxThreads, idleTimeout, minBodyBytesPerSecond, bodyGrace, maxHeaderBytes, maxStreams,
                maxAgentRequests, maxClientRequests, maxWatches, maxAgentStreams, trustedProxies);
    }

    /** The same bounds, believing {@code X-Forwarded-For} from these proxies ({@link TrustedProxies}). */
    public HttpLimits withTrustedProxies(TrustedProxies p) {
        return new HttpLimits(maxConnections, maxConnectionsPerAddress, maxThreads, idleTimeout, minBodyBytesPerSecond, bodyGrace, maxHeaderBytes, maxStreams,
                maxAgentRequests, maxClientRequests, maxWatches, maxAgentStreams, p);
    }

    /** The slowest body accepted ({@link BodyRate}). */
    BodyRate bodyRate() {
        return new BodyRate(minBodyBytesPerSecond, bodyGrace);
    }

    /**
     * The most places of a class one bearer token (or all requests without one) may hold at once,
     * for the classes clients hold ({@link TrafficClass#sharedByTokens}): a quarter of the class,
     * so that no single client fills it ({@link TokenShares}). By default 64 API requests, 1,024
     * parked queries and 4 transfers.
     */
    public int perToken(TrafficClass c) {
        return Math.max(1, bound(c) / 4);
    }

    /** What a class may hold at once. */
    int bound(TrafficClass c) {
        return switch (c) {
            case AGENT -> maxAgentRequests;
            case CLIENT, PROBE -> maxClientRequests;
            case WATCH -> maxWatches;
            case TRANSFER -> maxStreams;
            case AGENT_TRANSFER -> maxAgentStreams;
        };
    }
}
