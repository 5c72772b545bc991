package dev.steward.agent;

import dev.steward.api.AgentSignature;
import dev.steward.api.Units;
import dev.steward.connections.ClientDeparture;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's HTTP endpoint: for the allocator, {@code GET /v1/tasks/ID/logs?stream=&offset=&wait=}
 * and {@code POST /v1/tasks/ID/exec} ({@link ExecRoute});
 * for Prometheus, {@code GET /metrics} ({@link AgentMetrics}; the metrics token or open, as
 * configured), checked apart from the allocator's signature.
 * Every request must carry the allocator's signature ({@link AgentSignature}), keyed by this
 * agent's token hash, and it is checked before any other work.
 *
 * <p>Nothing here can be held. Jetty parses requests without holding a thread, so a connection
 * that trickles its request costs a connection slot until the idle timeout
 * ({@link #IDLE_TIMEOUT}) closes it; connections are limited ({@link #MAX_CONNECTIONS}): past
 * the limit the connection idle longest is closed to make room for a new one, and a connection
 * that carried a request the allocator signed never is (hosts that trickle request heads cannot
 * keep the allocator's log reads out; {@code ConnectionGuard}). With
 * {@code wait} (at most {@link #MAX_WAIT}) an empty read waits for new bytes: a follow. A
 * waiting follow holds no thread either: it is parked, and one timer looks at every parked
 * follow's file every 100 ms and answers it when bytes come, its task ends, or its wait is
 * over. At most {@link #MAX_PARKED} follows wait at once (past that, 503). A read at the end of
 * an ended task's log answers at once with {@code X-Steward-Log-End: true}, so a follow knows to
 * stop.
 */
final class LogServer implements AutoCloseable {
    private static final int MAX_CHUNK = dev.steward.api.Limits.MAX_LOG_CHUNK;
    /** The longest a follow may wait for bytes (the allocator's proxy allows the same). */
    static final Duration MAX_WAIT = Duration.ofMinutes(5);
    /** Follows waiting at once, across all callers. */
    static final int MAX_PARKED = 1024;
    /** A connection that sends nothing (a request trickled, a client gone) for this long is closed. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_CONNECTIONS = 2048;
    private final dev.steward.connections.ConnectionGuard guard;
    /** Set on a read at the end of a task that has ended: no more bytes will come. */
    static final String END_HEADER = "X-Steward-Log-End";
    private final Server server;
    private final ServerConnector connector;
    private final boolean https;
    private final ScheduledExecutorService timer;
    private final Set<Follow> parked = ConcurrentHashMap.newKeySet();
    private final Path tasksDir;
    private final java.util.function.Supplier<String> key;
    /** The CA file's revocations now (none without TLS): a caller's certificate revoked after its connection was made is refused. */
    private final java.util.function.Supplier<dev.steward.tls.Revocations> revocations;

    /**
     * A follow waiting for bytes: its response stays open, no thread waits with it. Its
     * connection is watched ({@link ClientDeparture}): a caller that leaves (the allocator, when
     * its own client has left) gives the follow's place back at the next look, not at its wait's end.
     */
    private record Follow(Request request, Response response, Callback callback, Path dir, String file, long offset, long deadline,
                          ClientDeparture departure) {
    }

    /** {@code tokenHash} is asked per request: the server is bound before the agent has joined. */
    LogServer(InetSocketAddress bind, Path tasksDir, java.util.function.Supplier<String> tokenHash) throws IOException {
        this(bind, tasksDir, tokenHash, null, false);
    }

    /**
     * With {@code tls} holding a certificate, serves HTTPS only; with {@code verifyClients}, the
     * caller (the allocator) must also present a certificate from {@code tls}'s CA.
     */
    LogServer(InetSocketAddress bind, Path tasksDir, java.util.function.Supplier<String> tokenHash, dev.steward.tls.TlsFiles tls,
              boolean verifyClients) throws IOException {
        this(bind, tasksDir, tokenHash, tls, verifyClients, MAX_CONNECTIONS);
    }

    /** As above, with at most {@code maxConnections} open at once (tests fill a few). */
    LogServer(InetSocketAddress bind, Path tasksDir, java.util.function.Supplier<String> tokenHash, dev.steward.tls.TlsFiles tls,
              boolean verifyClients, int maxConnections) throws IOException {
        this.guard = new dev.steward.connections.ConnectionGuard(maxConnections);
        this.tasksDir = tasksDir;
        this.key = tokenHash;
        QueuedThreadPool pool = new QueuedThreadPool(8, 2, 60_000); // Jetty's unbounded queue, held small by the connection limit below
        pool.setName("steward-agent-http");
        pool.setDaemon(true);
        server = new Server(pool);
        HttpConfiguration cfg = new HttpConfiguration();
        cfg.setSendServerVersion(false);
        cfg.setSendDateHeader(false);
        cfg.setRequestHeaderSize(8 * 1024);
        cfg.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        if (tls != null && tls.hasIdentity()) {
            org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            dev.steward.tls.TlsFiles.Live live = tls.live(dev.steward.tls.TlsFiles.RELOAD_EVERY);
            revocations = live.revocations();
            ssl.setSslContext(live.context());
            ssl.setNeedClientAuth(verifyClients);
            ssl.setSniRequired(false);
            cfg.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
            connector = new ServerConnector(server, 1, 1, new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(cfg));
            https = true;
        } else {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(cfg));
            https = false;
            revocations = dev.steward.tls.Revocations::none;
        }
        connector.setHost(bind.getHostString());
        connector.setPort(bind.getPort());
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        // past the limit the connection idle longest gives way to a new one, never one the allocator's signed requests use
        connector.addBean(guard);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                org.eclipse.jetty.io.Connection connection = request.getConnectionMetaData().getConnection();
                guard.began(connection);
                boolean[] verified = {false};
                Callback ended = Callback.from(callback.getInvocationType(), () -> {
                    int status = response.getStatus();
                    guard.ended(connection, verified[0] && status >= 200 && status < 300);
                    callback.succeeded();
                }, x -> {
                    guard.ended(connection, false);
                    callback.failed(x);
                });
                try {
                    serve(request, response, ended, verified);
                } catch (RuntimeException | Error e) {
                    guard.ended(connection, false);
                    throw e;
                }
                return true;
            }
        });
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "steward-agent-follows");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::wakeFollows, 100, 100, TimeUnit.MILLISECONDS);
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw e instanceof IOException io ? io : new IOException("cannot serve logs on " + bind + ": " + e.getMessage(), e);
        }
    }

    /** Whether it serves HTTPS. */
    boolean https() {
        return https;
    }

    /** Connections open now, as the connection limit counts them. */
    int connectionsOpen() {
        return guard.open();
    }

    /** Follows waiting now (of {@link #MAX_PARKED}). */
    int following() {
        return parked.size();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost() == null ? "0.0.0.0" : connector.getHost(), connector.getLocalPort());
    }

    /** {@code POST /v1/tasks/ID/exec}: a command run in a running task. */
    private final ExecRoute exec = new ExecRoute();

    /** Where signed commands run ({@code steward exec}); refused with a 503 until set. */
    void execs(TaskExec e) {
        exec.execs(e);
    }

    private volatile AgentMetrics metrics;
    private volatile boolean metricsOpen;
    private volatile String metricsHash;

    /** Serves {@code GET /metrics}: to anyone when {@code open}, else to a caller with the token whose hash is {@code tokenHash}. */
    void metrics(AgentMetrics m, boolean open, String tokenHash) {
        this.metricsOpen = open;
        this.metricsHash = tokenHash;
        this.metrics = m;
    }

    /** {@code GET /metrics}, checked against the metrics token unless open; 503 until the agent has set its metrics up. */
    private void scrape(Request request, Response response, Callback callback) {
        AgentMetrics m = metrics;
        if (m == null) {
            send(response, callback, 503, "the agent is starting; try again shortly");
            return;
        }
        if (!metricsOpen) {
            String auth = request.getHeaders().get("Authorization");
            String hash = auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) ? null : AgentSignature.tokenHash(auth.substring(7).trim());
            if (hash == null) {
                send(response, callback, 401, "send 'Authorization: Bearer TOKEN' with the agent's metrics token (metrics.token in its data directory), "
                        + "or set metrics=open");
                return;
            }
            if (!java.security.MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII), metricsHash.getBytes(StandardCharsets.US_ASCII))) {
                send(response, callback, 403, "this token may not read the agent's metrics");
                return;
            }
        }
        byte[] body = m.scrape();
        response.setStatus(200);
        response.getHeaders().put("Content-Type", m.contentType());
        response.getHeaders().put("Content-Length", Integer.toString(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private void serve(Request request, Response response, Callback callback, boolean[] verified) {
        try {
            String revoked = dev.steward.connections.RevokedCallers.refusal(request, revocations.get());
            if (revoked != null) { // its connection was made before the revocation (kept alive, or a session resumed): closed now
                response.getHeaders().put("Connection", "close");
                send(response, callback, 403, revoked);
                return;
            }
            String path = request.getHttpURI().getPath();
            if ("/metrics".equals(path) && request.getMethod().equals("GET")) {
                scrape(request, response, callback);
                return;
            }
            String query = request.getHttpURI().getQuery();
            String signed = path + (query == null ? "" : "?" + query); // the path and query as sent: what the allocator signed
            String k = key.get();
            if (k == null || !AgentSignature.verify(k, request.getHeaders().get(AgentSignature.HEADER), signed, System.currentTimeMillis())) {
                send(response, callback, 401, "missing or bad allocator signature");
                return;
            }
            verified[0] = true;
            String[] parts = path.split("/");
            if (request.getMethod().equals("POST") && parts.length == 5 && parts[4].equals("exec") && parts[3].matches("[A-Za-z0-9-]+")) {
                exec.handle(request, response, callback, parts[3], query);
                return;
            }
            if (!request.getMethod().equals("GET") || parts.length != 5 || !parts[4].equals("logs") || !parts[3].matches("[A-Za-z0-9-]+")) {
                send(response, callback, 404, "no such route");
                return;
            }
            Map<String, String> q = dev.steward.agent.Query.parse(query);
            String stream = q.getOrDefault("stream", "stdout");
            if (!stream.equals("stdout") && !stream.equals("stderr")) {
                send(response, callback, 400, "stream must be stdout or stderr");
                return;
            }
            Path dir = tasksDir.resolve(parts[3]);
            if (!Files.isDirectory(dir)) {
                send(response, callback, 404, "no task " + parts[3] + " on this agent");
                return;
            }
            long offset = Long.parseLong(q.getOrDefault("offset", "0"));
            Duration wait = q.containsKey("wait") ? Units.duration("wait", q.get("wait")) : Duration.ZERO;
            if (wait.compareTo(MAX_WAIT) > 0) {
                send(response, callback, 400, "wait is " + Units.format(wait) + ", above the limit of " + Units.format(MAX_WAIT));
                return;
            }
            if (answer(response, callback, dir, stream + ".log", offset, wait.isZero())) {
                return;
            }
            if (parked.size() >= MAX_PARKED) {
                send(response, callback, 503, "too many follows wait at once (the limit is " + MAX_PARKED + "); try again shortly");
                return;
            }
            ClientDeparture departure = ClientDeparture.watch(request.getConnectionMetaData().getConnection().getEndPoint(), () -> { }); // the timer looks
            parked.add(new Follow(request, response, callback, dir, stream + ".log", offset, System.nanoTime() + wait.toNanos(), departure)); // the timer answers it
        } catch (IOException | RuntimeException e) {
            send(response, callback, 400, String.valueOf(e.getMessage()));
        }
    }

    /**
     * Answers with the bytes from {@code offset} if there are any, or the task has ended, or
     * {@code now} says the wait is over; false (nothing sent) when a follow should wait on.
     */
    private static boolean answer(Response response, Callback callback, Path dir, String file, long offset, boolean now) throws IOException {
        // "done" is written once the task's last process has exited: read after seeing it, the file holds every byte
        boolean ended = Files.exists(dir.resolve("done"));
        LogFiles.Chunk c = LogFiles.read(dir, file, offset, MAX_CHUNK);
        if (c.bytes().length == 0 && !ended && !now) {
            return false;
        }
        HttpFields.Mutable h = response.getHeaders();
        if (c.bytes().length == 0 && ended) {
            h.put(END_HEADER, "true"); // nothing more will come: a follow ends here
        }
        h.put("X-Steward-Log-Offset", Long.toString(c.next()));
        response.setStatus(200);
        h.put("Content-Type", "text/plain; charset=utf-8");
        h.put("Content-Length", Integer.toString(c.bytes().length));
        response.write(true, c.bytes().length == 0 ? null : ByteBuffer.wrap(c.bytes()), callback); // never blocks: a slow reader only holds its connection
        return true;
    }

    /**
     * On the timer: every parked follow whose bytes came, whose task ended or whose wait is over
     * is answered; one whose caller has gone is ended, its connection closed, nothing written.
     */
    private void wakeFollows() {
        long now = System.nanoTime();
        for (Follow f : parked) {
            if (f.departure().gone()) {
                if (parked.remove(f)) {
                    f.request().getConnectionMetaData().getConnection().getEndPoint().close();
                    f.callback().failed(new org.eclipse.jetty.io.EofException("the caller closed its connection while its follow waited"));
                }
                continue;
            }
            boolean ready;
            try {
                ready = now - f.deadline() >= 0 || Files.exists(f.dir().resolve("done")) || LogFiles.read(f.dir(), f.file(), f.offset(), 1).bytes().length > 0;
            } catch (IOException | RuntimeException e) {
                ready = true; // answered below, with what the read says then
            }
            if (ready && parked.remove(f)) {
                try {
                    if (f.departure().stop()) { // a byte of the caller's next request was read to watch it: the connection ends after this answer
                        f.response().getHeaders().put("Connection", "close");
                    }
                    answer(f.response(), f.callback(), f.dir(), f.file(), f.offset(), true);
                } catch (IOException | RuntimeException e) {
                    f.callback().failed(e);
                }
            }
        }
    }

    /** A whole plain-text answer, written without blocking. */
    static void send(Response response, Callback callback, int status, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "text/plain; charset=utf-8");
        response.getHeaders().put("Content-Length", Integer.toString(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (Follow f : parked) {
            f.callback().failed(new IOException("the agent is stopping"));
        }
        parked.clear();
        try {
            server.stop();
        } catch (Exception e) {
            // stopping: nothing left to serve
        }
    }
}
