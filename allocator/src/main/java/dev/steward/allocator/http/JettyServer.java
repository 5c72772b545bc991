package dev.steward.allocator.http;

import dev.steward.connections.ConnectionGuard;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Serves an {@link Api} on Jetty 12's core API (no servlets), with every resource bounded
 * ({@link HttpLimits}). Request lines and headers are parsed without holding a thread, so slow
 * or idle connections cost a connection slot and nothing else, and are closed after the idle
 * timeout. A connection limit caps them all: past it the connection idle longest gives way to the
 * new one, and agents' connections never do ({@link ConnectionGuard}); another caps the
 * connections from one address ({@link AddressLimit}). Each request is handled by {@link ApiHandler}: refused from its head
 * where it can be, classed into a {@link TrafficClass} with its own bound (past it, that class
 * gets a 503 at once while the others go on, so transfers can never take the threads heartbeats
 * and API calls need, nor clients' parked queries the places agents need), its body read at the
 * slowest rate accepted and its answer written without blocking, held to the same rate.
 */
public final class JettyServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final InetSocketAddress address;
    private final ConnectionGuard guard;
    /** Null when one address may hold any number of connections. */
    private final AddressLimit addressLimit;

    public JettyServer(HttpApi api, InetSocketAddress bind, HttpLimits limits) throws IOException {
        this(api, bind, limits, null);
    }

    /** With {@code tls} non-null, serves HTTPS only (HTTP/1.1 over TLS 1.2 or 1.3). */
    public JettyServer(HttpApi api, InetSocketAddress bind, HttpLimits limits, ServerTls tls) throws IOException {
        this(api, bind, limits, tls, RequestObserver.NONE);
    }

    /** As above, telling {@code observer} of every request once its answer is out (the request log, the HTTP metrics). */
    public JettyServer(HttpApi api, InetSocketAddress bind, HttpLimits limits, ServerTls tls, RequestObserver observer) throws IOException {
        // Jetty's own unbounded queue: a bounded one rejects Jetty's internal jobs when full (Jetty warns of it at start);
        // the connection limit below holds the queue to a few jobs per connection, and the traffic classes shed load
        QueuedThreadPool pool = new QueuedThreadPool(limits.maxThreads(), Math.min(8, limits.maxThreads()), 60_000);
        pool.setName("steward-http");
        pool.setDaemon(true);
        server = new Server(pool);
        HttpConfiguration cfg = new HttpConfiguration();
        cfg.setSendServerVersion(false);
        cfg.setSendDateHeader(false);
        cfg.setRequestHeaderSize(limits.maxHeaderBytes());
        cfg.setHeaderCacheSize(0); // each agent sends its own bearer token: a cache of whole header lines would only churn
        // the slowest body is enforced by TimedBody: Jetty's core (no servlets) does not act on HttpConfiguration's minimum data rates
        cfg.setIdleTimeout(limits.idleTimeout().toMillis());
        // names are percent-encoded path segments: an encoded '/' is data, and Route.match decodes it
        cfg.setUriCompliance(UriCompliance.DEFAULT.with("steward", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING, UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
        java.util.function.Supplier<dev.steward.tls.Revocations> revocations = dev.steward.tls.Revocations::none;
        if (tls != null) {
            cfg.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false)); // clients that connect by address send no SNI
            dev.steward.tls.TlsFiles.Live live = tls.live(); // fails at once, naming the file, if one does not load
            revocations = live.revocations();
            connector = new ServerConnector(server, 1, 1, new org.eclipse.jetty.server.SslConnectionFactory(tls.jetty(live.context()), "http/1.1"),
                    new HttpConnectionFactory(cfg));
        } else {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(cfg));
        }
        connector.setHost(bind.getHostString());
        connector.setPort(bind.getPort());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptQueueSize(128);
        server.addConnector(connector);
        guard = new ConnectionGuard(limits.maxConnections()); // past the limit the connection idle longest gives way, never an agent's
        connector.addBean(guard); // a listener on every connection the connector opens
        addressLimit = limits.maxConnectionsPerAddress() > 0 ? new AddressLimit(limits.maxConnectionsPerAddress(), limits.trustedProxies()) : null;
        if (addressLimit != null) {
            connector.addBean(addressLimit); // an accept listener, as ConnectionLimit is
        }
        server.setErrorHandler(new ProblemErrorHandler());
        java.util.Map<TrafficClass, Semaphore> classes = new java.util.EnumMap<>(TrafficClass.class);
        for (TrafficClass c : TrafficClass.values()) {
            classes.put(c, new Semaphore(limits.bound(c)));
        }
        server.setHandler(new ApiHandler(api, classes, limits, observer, guard, revocations));
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        address = new InetSocketAddress(bind.getAddress(), connector.getLocalPort()); // kept: it is asked for after close too
    }

    public InetSocketAddress address() {
        return address;
    }

    /**
     * Connections closed as they were accepted: their address was at its limit ({@link AddressLimit}),
     * or every connection was an agent's or busy ({@link dev.steward.connections.ConnectionBudget}).
     */
    public long connectionsRefused() {
        return (addressLimit == null ? 0 : addressLimit.refused()) + guard.refused();
    }

    /** Idle connections closed to make room for a new one, every connection being taken ({@link dev.steward.connections.ConnectionBudget}). */
    public long connectionsEvicted() {
        return guard.evicted();
    }

    /** Connections open now. */
    public int connectionsOpen() {
        return guard.open();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping: nothing left to serve
        }
    }
}
