package dev.steward.allocator.http;

import org.eclipse.jetty.io.SelectorManager;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * At most {@code max} connections at once from one remote address (Nomad's
 * {@code http_max_conns_per_client}): a connection past that is closed as it is accepted, before
 * it costs a parser or a place. So one host that opens connections and trickles their requests a
 * byte now and then (never idle long enough to be closed) cannot take the whole connection limit
 * from the agents and the other clients. Behind a proxy every client has the proxy's address:
 * a proxy named in {@code --trusted-proxies} is not limited (it carries many clients; the total
 * limit, {@link dev.steward.connections.ConnectionGuard}, still holds); for one that is not, raise the limit or turn it off.
 */
final class AddressLimit implements SelectorManager.AcceptListener {
    private static final Logger LOG = Logger.getLogger(AddressLimit.class.getName());
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;
    private final int max;
    private final TrustedProxies exempt;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    /** The connections counted, so that each is given back once, however it ends. */
    private final ConcurrentHashMap<SelectableChannel, InetAddress> counted = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    AddressLimit(int max, TrustedProxies exempt) {
        if (max < 1) {
            throw new IllegalArgumentException("the connections per address must be at least 1");
        }
        this.max = max;
        this.exempt = exempt;
    }

    /** Connections refused so far. */
    long refused() {
        return refused.get();
    }

    @Override
    public void onAccepted(SelectableChannel channel) {
        InetAddress from = remote(channel);
        if (from == null || exempt.trusts(from)) {
            return;
        }
        boolean[] taken = {false};
        open.compute(from, (a, n) -> {
            int c = n == null ? 0 : n;
            if (c >= max) {
                return n;
            }
            taken[0] = true;
            return c + 1;
        });
        if (taken[0]) {
            counted.put(channel, from);
            return;
        }
        refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            LOG.warning("refused a connection from " + from.getHostAddress() + ": it has " + max + " open, the most one address may "
                    + "(--max-connections-per-address); " + refused.get() + " refused so far");
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing what we refuse: nothing to do if it is gone already
        }
    }

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        giveBack(channel);
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        giveBack(channel);
    }

    private void giveBack(SelectableChannel channel) {
        InetAddress from = counted.remove(channel);
        if (from != null) {
            open.computeIfPresent(from, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    private static InetAddress remote(SelectableChannel channel) {
        try {
            return channel instanceof SocketChannel s && s.getRemoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
