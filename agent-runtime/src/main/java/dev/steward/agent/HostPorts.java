package dev.steward.agent;

import dev.steward.api.AgentRegistration.PortRange;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What this host holds of the ports the agent lends. {@link #busy} reads the kernel's socket
 * tables ({@code /proc/net/tcp}, {@code tcp6}, {@code udp}, {@code udp6}: listening TCP, bound
 * UDP) for the heartbeat, so the allocator lends none of them; {@link #firstTaken} tries to bind
 * a task's ports right before it starts, so a port taken in the meantime fails the start with a
 * reason instead of an EADDRINUSE inside the task. {@link #listeners} says whose sockets listen on
 * a port, for a task's health check.
 */
final class HostPorts {
    private static final Path PROC_NET = Path.of("/proc/net");
    private static final String TCP_LISTEN = "0A";

    private HostPorts() {
    }

    /** Ports within {@code ranges} that a socket on this host holds; empty where /proc/net cannot be read. */
    static List<Integer> busy(List<PortRange> ranges) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            boolean tcp = table.startsWith("tcp");
            for (Row so : rows(table)) {
                if ((!tcp || so.listening()) && within(ranges, so.port())) {
                    out.add(so.port());
                }
            }
        }
        return List.copyOf(out);
    }

    /** A row of a kernel socket table: its local port, whether it is a listening TCP socket, and its owner's uid. */
    private record Row(int port, boolean listening, int uid) {
    }

    /** The rows of {@code /proc/net/TABLE}; none where it cannot be read. */
    private static List<Row> rows(String table) {
        List<String> lines;
        try {
            lines = Files.readAllLines(PROC_NET.resolve(table));
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        List<Row> out = new java.util.ArrayList<>(lines.size());
        for (int i = 1; i < lines.size(); i++) { // the first line names the columns
            String[] f = lines.get(i).trim().split("\\s+");
            int colon = f.length < 8 ? -1 : f[1].lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            try {
                out.add(new Row(Integer.parseInt(f[1].substring(colon + 1), 16), f[3].equals(TCP_LISTEN), Integer.parseInt(f[7])));
            } catch (NumberFormatException e) {
                // not a row of the table's form
            }
        }
        return out;
    }

    /** The kernel's listening TCP sockets as last read: port to the uids listening on it, and when (System.nanoTime). */
    private record Listening(long at, Map<Integer, java.util.Set<Integer>> byPort) {
    }

    private static volatile Listening listening;

    /**
     * The uids whose TCP sockets listen on {@code port} on this host, from the kernel's tables
     * ({@code /proc/net/tcp} and {@code tcp6}, column {@code uid}); empty when none does, or the
     * tables cannot be read.
     */
    static java.util.Set<Integer> listeners(int port) {
        return listeners(port, java.time.Duration.ZERO);
    }

    /**
     * As {@link #listeners(int)}, from a read of the tables at most {@code maxAge} old: the tables
     * list every connection of the host, so every task's health checks share one read (a busy
     * host's tables run to megabytes).
     */
    static java.util.Set<Integer> listeners(int port, java.time.Duration maxAge) {
        Listening l = listening;
        long now = System.nanoTime();
        if (l == null || now - l.at() > maxAge.toNanos()) {
            l = new Listening(now, readListening());
            listening = l;
        }
        return l.byPort().getOrDefault(port, java.util.Set.of());
    }

    /** The least time between two reads made for {@link #listenersSince}: a read walks the kernel's whole table (about 2 ms here). */
    static final java.time.Duration SINCE_GAP = java.time.Duration.ofMillis(50);

    /**
     * As {@link #listeners(int)}, from a read of the tables begun at or after {@code since} (a
     * {@code System.nanoTime}): a socket that answered a probe before {@code since} is in it, if it
     * still listens. Reads are made at most every {@link #SINCE_GAP}, and every probe that ended
     * before a read began shares it: one that ends just after a read waits for the next, at most
     * that long, so checks passing at any rate cost the host at most 20 reads a second.
     */
    static java.util.Set<Integer> listenersSince(int port, long since) {
        synchronized (HostPorts.class) {
            while (true) {
                Listening l = listening;
                if (l != null && l.at() - since >= 0) {
                    return l.byPort().getOrDefault(port, java.util.Set.of());
                }
                long wait = l == null ? 0 : l.at() + SINCE_GAP.toNanos() - System.nanoTime();
                if (wait <= 0 || Thread.currentThread().isInterrupted()) {
                    listening = new Listening(System.nanoTime(), readListening());
                    continue;
                }
                try {
                    HostPorts.class.wait(Math.max(1, wait / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the task ended: read now, and be done
                }
            }
        }
    }

    /** How many times the tables were read for {@link #listeners} and {@link #listenersSince}: the bound above is tested. */
    static final java.util.concurrent.atomic.AtomicLong READS = new java.util.concurrent.atomic.AtomicLong();

    private static Map<Integer, java.util.Set<Integer>> readListening() {
        READS.incrementAndGet();
        Map<Integer, java.util.Set<Integer>> out = new java.util.HashMap<>();
        for (String table : List.of("tcp", "tcp6")) {
            for (Row so : rows(table)) {
                if (so.listening()) {
                    out.computeIfAbsent(so.port(), k -> new TreeSet<>()).add(so.uid());
                }
            }
        }
        return out;
    }

    static boolean within(List<PortRange> ranges, int port) {
        for (PortRange r : ranges) {
            if (port >= r.from() && port <= r.to()) {
                return true;
            }
        }
        return false;
    }

    /** The first of {@code ports} (name → port) that cannot be bound on this host now, as "NAME PORT", or null when all can. */
    static String firstTaken(Map<String, Integer> ports) {
        if (ports == null) {
            return null;
        }
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            if (!free(e.getValue())) {
                return e.getKey() + " " + e.getValue();
            }
        }
        return null;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // a closed connection's TIME_WAIT does not hold the port for a new listener
            s.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            return false;
        }
        try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
