package dev.steward.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated agents' traffic on one thread of non-blocking sockets: each agent beats once a
 * second at its own offset within the second (on a shared keep-alive connection, see
 * {@link #pool}) and keeps its blocking query parked on a keep-alive connection of its own,
 * re-issued with the index each answer carries. Requests are bytes made once per agent; answers are read far enough to know
 * their status, their X-Steward-Index and where they end (Content-Length).
 */
final class SimWire implements Runnable {
    private final InetSocketAddress server;
    private final Latencies latency;
    private final AtomicLong errors;
    private final Selector selector;
    private final ConcurrentLinkedQueue<List<String[]>> joining = new ConcurrentLinkedQueue<>();
    /** Heartbeat connections by the millisecond of the second at which each beats. */
    @SuppressWarnings("unchecked")
    private final List<Beat>[] wheel = new List[1000];
    /**
     * The connections heartbeats travel on, each carrying the beats of up to {@link #BEATS_PER_CONNECTION}
     * agents one after another. A real agent has a connection of its own; here 10,000 agents'
     * parked queries and heartbeats on separate connections would need 20,000 sockets on each
     * side, past this machine's open-file limit (20,000 per process). The server does the same
     * work per beat either way; a beat's latency counts from when its agent meant to send it, so
     * waiting behind another agent's beat on a shared connection is measured too.
     */
    private final List<Conn> pool = new ArrayList<>();
    static final int BEATS_PER_CONNECTION = 10;
    private int agents;

    /** One agent's heartbeat, made once, the connection it travels on, and whether its last beat is still unanswered. */
    private static final class Beat {
        final byte[] bytes;
        final Conn conn;
        boolean out;

        Beat(byte[] bytes, Conn conn) {
            this.bytes = bytes;
            this.conn = conn;
        }
    }

    /** Beats not sent because the agent's previous one was still unanswered, as a real agent skips them. */
    final AtomicLong skipped = new AtomicLong();
    /** With -Dsim.trace=true: every answered beat's send time and latency, for {@link SimAgents}' worst seconds. */
    static final java.util.Queue<long[]> TRACE = Boolean.getBoolean("sim.trace") ? new java.util.concurrent.ConcurrentLinkedQueue<>() : null;

    /** One keep-alive connection and the request in flight on it. */
    private final class Conn {
        final String id;
        final String token;
        final boolean query;
        final java.util.ArrayDeque<Beat> waiting = new java.util.ArrayDeque<>(); // beats queued on this connection
        Beat current;
        final java.util.ArrayDeque<Long> waitingSince = new java.util.ArrayDeque<>();
        SocketChannel ch;
        ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        long sentAt;
        long index;
        boolean busy;

        Conn(String id, String token, boolean query) {
            this.id = id;
            this.token = token;
            this.query = query;
        }

        /** Queues a beat meant to leave now; it leaves at once if the connection is free. */
        void beat(Beat b) throws IOException {
            if (b.out) {
                skipped.incrementAndGet(); // the agent still waits for its last beat's answer: it does not pile another on
                return;
            }
            b.out = true;
            waiting.add(b);
            waitingSince.add(System.nanoTime());
            next();
        }

        void next() throws IOException {
            if (!busy && ch.isConnected() && !waiting.isEmpty()) {
                long since = waitingSince.poll();
                current = waiting.poll();
                send(current.bytes);
                sentAt = since;
            }
        }

        /** The beat in flight is answered (or lost with its connection). */
        void answered() {
            if (current != null) {
                current.out = false;
                current = null;
            }
        }

        void open() throws IOException {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(server);
            ch.register(selector, SelectionKey.OP_CONNECT, this);
        }

        void send(byte[] request) throws IOException {
            out = ByteBuffer.wrap(request);
            in.clear();
            sentAt = System.nanoTime();
            busy = true;
            ch.write(out);
            ch.keyFor(selector).interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE | SelectionKey.OP_READ : SelectionKey.OP_READ);
        }

        byte[] queryBytes() {
            return ("GET /v1/agents/" + id + "/tasks" + (index > 0 ? "?index=" + index + "&wait=30s" : "") + " HTTP/1.1\r\nHost: sim\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    SimWire(InetSocketAddress server, Latencies latency, AtomicLong errors) throws IOException {
        this.server = server;
        this.latency = latency;
        this.errors = errors;
        this.selector = Selector.open();
    }

    /** Starts the traffic of newly joined agents ({id, token} each). */
    void add(List<String[]> agents) {
        joining.add(agents);
        selector.wakeup();
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long doneMs = 0; // every millisecond up to this one has sent its beats
        for (int i = 0; i < wheel.length; i++) {
            wheel[i] = new ArrayList<>();
        }
        while (!Thread.currentThread().isInterrupted()) {
            try {
                for (List<String[]> js; (js = joining.poll()) != null; ) {
                    for (String[] a : js) {
                        if (pool.size() * BEATS_PER_CONNECTION <= agents) {
                            Conn hb = new Conn(null, null, false);
                            hb.open();
                            pool.add(hb);
                        }
                        byte[] bytes = ("PUT /v1/agents/" + a[0] + "/heartbeat HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer " + a[1]
                                + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1);
                        wheel[(int) (Math.random() * 1000)].add(new Beat(bytes, pool.get(agents / BEATS_PER_CONNECTION)));
                        agents++;
                        new Conn(a[0], a[1], true).open();
                    }
                }
                selector.select(2);
                for (SelectionKey k : selector.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    try {
                        if (k.isConnectable() && c.ch.finishConnect()) {
                            k.interestOps(0);
                            if (c.query) {
                                c.send(c.queryBytes());
                            } else {
                                c.next();
                            }
                        }
                        if (k.isValid() && k.isWritable() && c.out != null && c.out.hasRemaining()) {
                            c.ch.write(c.out);
                            if (!c.out.hasRemaining()) {
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        }
                        if (k.isValid() && k.isReadable()) {
                            read(c);
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        reopen(c);
                    }
                }
                selector.selectedKeys().clear();
                long nowMs = (System.nanoTime() - start) / 1_000_000;
                for (; doneMs < nowMs; doneMs++) { // the heartbeats of each millisecond that has come
                    for (Beat b : wheel[(int) ((doneMs + 1) % 1000)]) {
                        try {
                            b.conn.beat(b);
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            reopen(b.conn);
                        }
                    }
                }
            } catch (IOException e) {
                errors.incrementAndGet();
            }
        }
    }

    private void reopen(Conn c) {
        c.answered();
        try {
            c.ch.close();
            c.busy = false;
            c.open();
        } catch (IOException e) {
            errors.incrementAndGet();
        }
    }

    /** Reads what has arrived; when an answer is whole, records it and (for a query) parks the next one. */
    private void read(Conn c) throws IOException {
        int n = c.ch.read(c.in);
        if (n < 0) {
            throw new IOException("closed by the server");
        }
        byte[] b = c.in.array();
        int len = c.in.position();
        int headEnd = indexOf(b, len);
        if (headEnd < 0) {
            return;
        }
        String head = new String(b, 0, headEnd, StandardCharsets.ISO_8859_1);
        int bodyLen = header(head, "content-length") == null ? 0 : Integer.parseInt(header(head, "content-length"));
        if (len < headEnd + 4 + bodyLen) {
            return;
        }
        int status = Integer.parseInt(head.substring(9, 12));
        c.busy = false;
        c.in.clear();
        if (c.query) {
            String idx = header(head, "x-steward-index");
            if (status == 200 && idx != null) {
                c.index = Math.max(1, Long.parseLong(idx));
            } else {
                errors.incrementAndGet();
            }
            c.send(c.queryBytes());
        } else {
            c.answered();
            if (status == 200) {
                latency.add(System.nanoTime() - c.sentAt);
                if (TRACE != null) {
                    TRACE.add(new long[] {c.sentAt, System.nanoTime() - c.sentAt});
                }
            } else {
                errors.incrementAndGet();
            }
            c.next();
        }
    }

    private static int indexOf(byte[] b, int len) {
        for (int i = 0; i + 3 < len; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * A header's value, by a plain scan of the lines: {@code head.split("\r\n")} compiled a regular
     * expression for every answer, and took half of the simulator's CPU at 5,000 agents (perf).
     */
    private static String header(String head, String name) {
        for (int start = 0; start < head.length(); ) {
            int end = head.indexOf("\r\n", start);
            if (end < 0) {
                end = head.length();
            }
            int colon = head.indexOf(':', start);
            if (colon > start && colon < end && colon - start == name.length() && head.regionMatches(true, start, name, 0, name.length())) {
                return head.substring(colon + 1, end).trim();
            }
            start = end + 2;
        }
        return null;
    }
}
