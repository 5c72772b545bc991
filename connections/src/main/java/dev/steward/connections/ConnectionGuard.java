package dev.steward.connections;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The server's connection limit, carried out on Jetty's connections by the decisions of a
 * {@link ConnectionBudget}: past the limit, the connection idle longest is closed to make room
 * (one that never finished a request head counts as idle from when it opened), and agents'
 * connections and those with a request being served are never closed for it. It takes the place
 * of Jetty's {@code ConnectionLimit}, which stops accepting at the limit: then connections that
 * trickle their request heads from many hosts, each in time to stay clear of the idle timeout,
 * kept every agent out. A listener on each connection of the connector, told by the handler
 * (the allocator's {@code ApiHandler}, the agent's {@code LogServer}) when a request begins and ends.
 */
public final class ConnectionGuard implements Connection.Listener {
    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;
    private final ConnectionBudget<Connection> budget;
    private final int max;
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    /** At most {@code max} connections open at once. */
    public ConnectionGuard(int max) {
        this.budget = new ConnectionBudget<>(max);
        this.max = max;
    }

    @Override
    public void onOpened(Connection connection) {
        if (!(connection instanceof ConnectionMetaData)) {
            return; // TLS: the encrypted layer under the HTTP connection, which is the one counted
        }
        ConnectionBudget.Admission<Connection> admission = budget.opened(connection);
        if (admission instanceof ConnectionBudget.Evict<Connection> evict) {
            warn("closed the connection idle longest, from " + from(evict.victim()) + ", to make room for a new one");
            evict.victim().getEndPoint().close(new IOException("closed to make room: all " + max + " connections were taken"));
        } else if (admission instanceof ConnectionBudget.Refuse<Connection>) {
            warn("refused a connection from " + from(connection) + ": every connection is one kept (an agent's; on an agent, the allocator's) or has a request being served");
            connection.getEndPoint().close(new IOException("refused: all " + max + " connections are kept or busy"));
        }
    }

    @Override
    public void onClosed(Connection connection) {
        budget.closed(connection);
    }

    /** A request on {@code connection} is being served. */
    public void began(Connection connection) {
        budget.began(connection);
    }

    /**
     * A request on {@code connection} ended; {@code kept}: it came from a peer whose connections
     * are never closed to make room, its credentials checked and the request served: an agent on
     * the allocator, the allocator on an agent's log server.
     */
    public void ended(Connection connection, boolean kept) {
        budget.ended(connection, kept);
    }

    public int open() {
        return budget.open();
    }

    public long evicted() {
        return budget.evicted();
    }

    public long refused() {
        return budget.refused();
    }

    private void warn(String what) {
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            LOG.warning("all " + max + " connections are taken: " + what + "; " + budget.evicted() + " closed to make room and "
                    + budget.refused() + " refused so far");
        }
    }

    private static String from(Connection c) {
        return c instanceof ConnectionMetaData m && m.getRemoteSocketAddress() != null ? m.getRemoteSocketAddress().toString() : "?";
    }
}
