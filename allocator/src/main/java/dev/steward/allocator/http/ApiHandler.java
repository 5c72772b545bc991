package dev.steward.allocator.http;

import dev.steward.api.Limits;
import dev.steward.connections.ClientDeparture;
import dev.steward.connections.ConnectionGuard;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * One request: into an {@link ApiRequest}, through the {@link HttpApi}, and its answer written
 * back. It classes the request ({@link TrafficClass}), refuses what its head alone refuses before
 * the request takes a place ({@link HttpApi#refuseEarly}), takes a place of its class and of its
 * token's share or answers 503, reads the body at the slowest rate accepted ({@link TimedBody}),
 * and writes the answer without blocking, held to the same rate ({@link TimedWrite}).
 */
final class ApiHandler extends Handler.Abstract {
    /** The body of a request that declares none: not read. */
    private static final byte[] NO_BODY = new byte[0];
    private final HttpApi api;
    private final java.util.Map<TrafficClass, Semaphore> classes;
    private final HttpLimits limits;
    /** Each token's share of the places of the classes clients hold: API requests, parked queries, transfers. */
    private final java.util.Map<TrafficClass, TokenShares> shares = new java.util.EnumMap<>(TrafficClass.class);
    private final RequestObserver observer;
    private final ConnectionGuard guard;
    /** The CA file's revocations now (none without TLS): a caller's certificate revoked after its connection was made is refused. */
    private final java.util.function.Supplier<dev.steward.tls.Revocations> revocations;

    ApiHandler(HttpApi api, java.util.Map<TrafficClass, Semaphore> classes, HttpLimits limits, RequestObserver observer, ConnectionGuard guard,
               java.util.function.Supplier<dev.steward.tls.Revocations> revocations) {
        super(InvocationType.NON_BLOCKING); // Jetty may call it on the selector thread: it hands off what could take long
        this.api = api;
        this.classes = classes;
        this.limits = limits;
        for (TrafficClass c : TrafficClass.values()) {
            if (c.sharedByTokens()) {
                shares.put(c, new TokenShares(limits.perToken(c)));
            }
        }
        this.observer = observer;
        this.guard = guard;
        this.revocations = revocations;
    }

    /** Every request is traced: its id echoed in the response, and the observer told once the answer is out. */
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        RequestTrace trace = RequestTrace.of(request.getHeaders().get(RequestTrace.HEADER), request.getHeaders().get("Authorization"));
        response.getHeaders().put(RequestTrace.HEADER, trace.id());
        noteRemote(request, trace);
        TrafficClass[] cls = {TrafficClass.CLIENT};
        org.eclipse.jetty.io.Connection connection = request.getConnectionMetaData().getConnection();
        guard.began(connection); // not to be closed to make room while it is served
        Callback observed = new Callback() {
            private void record() {
                int status = response.getStatus();
                // a success of an agent's request, its token checked: the connection is an agent's, never closed to make room
                guard.ended(connection, (cls[0] == TrafficClass.AGENT || cls[0] == TrafficClass.AGENT_TRANSFER) && status >= 200 && status < 300);
                try {
                    observer.done(trace, request.getMethod(), cls[0], status, System.nanoTime() - trace.startNanos());
                } catch (RuntimeException e) {
                    // a log or metric that fails must not fail the answer
                }
            }

            @Override
            public void succeeded() {
                record();
                callback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                record();
                callback.failed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        try {
            return handle(request, response, observed, trace, cls);
        } catch (RuntimeException | Error e) {
            guard.ended(connection, false); // Jetty answers it, without our callback
            throw e;
        }
    }

    /**
     * Notes where the request came from: the connection's address, or, when that is a trusted
     * proxy's, the client its {@code X-Forwarded-For} names, with the proxy as {@code via}.
     */
    private void noteRemote(Request request, RequestTrace trace) {
        java.net.InetAddress peer = request.getConnectionMetaData().getRemoteSocketAddress() instanceof java.net.InetSocketAddress a
                ? a.getAddress() : null;
        if (peer == null) {
            trace.remote(Request.getRemoteAddr(request));
            return;
        }
        TrustedProxies proxies = limits.trustedProxies();
        java.net.InetAddress client = proxies.isEmpty() ? peer
                : proxies.client(peer, request.getHeaders().getValuesList(TrustedProxies.HEADER));
        trace.remote(client.getHostAddress());
        if (!client.equals(peer)) {
            trace.via(peer.getHostAddress());
        }
    }

    /** The request's class takes a place for as long as it is served, or it is refused at once with 503 naming the class. */
    private boolean handle(Request request, Response response, Callback callback, RequestTrace trace, TrafficClass[] clsOut) {
        String method = request.getMethod(); // methods are case-sensitive (RFC 9110): "get" is not GET, and gets a 405
        String path = request.getHttpURI().getPath();
        Map<String, java.util.List<String>> query;
        try {
            query = ApiRequest.parseQuery(request.getHttpURI().getQuery());
        } catch (RuntimeException e) {
            send(request, response, callback, Api.error(e));
            return true;
        }
        TrafficClass cls = TrafficClass.of(method, path == null ? "/" : path, query, path != null && api.streams(method, path),
                TrafficClass.agentShaped(request.getHeaders().get("Authorization")));
        clsOut[0] = cls;
        String revoked = dev.steward.connections.RevokedCallers.refusal(request, revocations.get());
        if (revoked != null) { // its connection was made before the revocation (kept alive, or a session resumed): closed now
            send(request, response, callback, ApiResponse.problem(403, "Forbidden", revoked, null).header("Connection", "close"));
            return true;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (var f : request.getHeaders()) {
            headers.putIfAbsent(f.getLowerCaseName(), f.getValue());
        }
        // refused from its head alone (no such route, a missing, unknown or forbidden token): before it takes a place, and its body,
        // if any, is never read nor the connection kept; a hash and a map lookup, so it is done here, on the parsing thread
        ApiResponse early = api.refuseEarly(new ApiRequest(method, path, query, headers, new byte[0], null, trace));
        if (early != null) {
            send(request, response, callback, request.getLength() == 0 ? early : early.header("Connection", "close"));
            return true;
        }
        Semaphore place = classes.get(cls);
        if (!place.tryAcquire()) {
            send(request, response, callback, ApiResponse.problem(503, "Service Unavailable", "too many " + cls.what() + " at once (the limit is "
                    + limits.bound(cls) + "); try again shortly", null).header("Retry-After", "1"));
            return true;
        }
        TokenShares share = shares.get(cls); // null: a class no client's token holds (agents', health checks)
        String token = share == null ? null : request.getHeaders().get("Authorization");
        if (share != null && !share.take(token)) {
            place.release();
            send(request, response, callback, ApiResponse.problem(503, "Service Unavailable", "too many " + cls.what() + " at once from one token "
                    + "(the limit is " + share.max() + " of the " + limits.bound(cls) + " places, so that every client has some); try again shortly",
                    null).header("Retry-After", "1"));
            return true;
        }
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable release = () -> {
            if (held.getAndSet(false)) {
                if (share != null) {
                    share.give(token);
                }
                place.release();
            }
        };
        Callback done = new Placed(release, callback);
        if (cls == TrafficClass.AGENT || cls == TrafficClass.PROBE) {
            // small bounded bodies, answered from memory or handed to the engine: served where they were parsed,
            // without a hop to another thread (at 10,000 agents the hops cost more than the work)
            try {
                return serve(request, response, done, method, path, query, headers, false, false, trace);
            } catch (RuntimeException | Error e) {
                release.run();
                throw e;
            }
        }
        try { // clients' bodies can be large and transfers block: never on the selector, never ahead of agents
            request.getComponents().getThreadPool().execute(() -> {
                try {
                    serve(request, response, done, method, path, query, headers, cls == TrafficClass.TRANSFER || cls == TrafficClass.AGENT_TRANSFER,
                            cls == TrafficClass.WATCH || TrafficClass.runsInTask(method, path), trace);
                } catch (Throwable t) {
                    done.failed(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            release.run();
            send(request, response, callback, ApiResponse.problem(503, "Service Unavailable", "the server is too busy to take this request; try again shortly",
                    null).header("Retry-After", "1"));
        }
        return true;
    }

    /** Writes a whole answer without blocking, held to the slowest rate ({@link TimedWrite}). */
    private void send(Request request, Response response, Callback callback, ApiResponse r) {
        send(request, response, callback, r, limits.bodyRate(), callback instanceof Placed p ? p.release : null);
    }

    /** {@code watched}: a client's parked query, log follow or command run in a task, whose connection is watched while it waits ({@link ClientDeparture}). */
    private boolean serve(Request request, Response response, Callback callback, String method, String path, Map<String, java.util.List<String>> query,
                          Map<String, String> headers, boolean streamed, boolean watched, RequestTrace trace) {
        TimedBody timed = TimedBody.start(request, limits.bodyRate());
        if (streamed) {
            try {
                InputStream body = Content.Source.asInputStream(timed);
                ApiResponse r = api.handle(new ApiRequest(method, path, query, headers, new byte[0], body, trace)).handle((ok, err) ->
                        err != null ? Api.error(err) : ok).join(); // a streamed route runs here, on this thread
                timed.stop();
                sendBlocking(request, response, timed.refusal() != null ? tooSlow(timed.refusal()) : r, limits.bodyRate());
                callback.succeeded();
            } catch (Throwable t) {
                timed.stop();
                callback.failed(t);
            }
            return true;
        }
        long declared = request.getLength();
        if (declared > Limits.MAX_BODY_BYTES) {
            send(request, response, callback, tooLarge());
            return true;
        }
        // a request that declares no body (HTTP/1.1: no Content-Length and no Transfer-Encoding, or a length of 0: every GET of a
        // blocking query) has none to read, and is not read: a read could only fail, on a connection that fails as it is handled,
        // and that failure was answered as the client's mistake (a 400 that a watch does not retry) instead of a connection lost
        boolean bodiless = declared == 0 || declared < 0 && !request.getHeaders().contains(org.eclipse.jetty.http.HttpHeader.TRANSFER_ENCODING);
        (bodiless ? java.util.concurrent.CompletableFuture.completedFuture(NO_BODY)
                : Content.Source.asByteArrayAsync(timed, (int) Limits.MAX_BODY_BYTES + 1)).whenComplete((body, err) -> {
            timed.stop();
            if (err != null) {
                send(request, response, callback, timed.refusal() != null ? tooSlow(timed.refusal())
                        : ApiResponse.problem(400, "Bad Request", "the request body could not be read: "
                        + (err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage()), null).header("Connection", "close"));
                return;
            }
            if (body.length > Limits.MAX_BODY_BYTES) {
                send(request, response, callback, tooLarge());
                return;
            }
            // a parked query, log follow or command run in a task: its connection is watched while it waits (its body, if any,
            // was read to its end above), and the first of its answer and its client's departure settles it (a departure gives
            // its places back at once, and cancels what waits for it: the agent's command is killed)
            java.util.concurrent.CompletableFuture<Void> gone = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
            ClientDeparture departure = watched ? ClientDeparture.watch(request.getConnectionMetaData().getConnection().getEndPoint(), () -> {
                gone.complete(null);
                if (settled.compareAndSet(false, true)) {
                    left(request, response, callback);
                }
            }) : null;
            try {
                api.handle(new ApiRequest(method, path, query, headers, body, null, trace, gone)).whenComplete((r, e) -> {
                    if (!settled.compareAndSet(false, true)) {
                        return; // its client left first
                    }
                    boolean close = departure != null && departure.stop();
                    ApiResponse answer = e != null ? Api.error(e) : r;
                    send(request, response, callback, close ? answer.header("Connection", "close") : answer);
                });
            } catch (RuntimeException e) {
                if (settled.compareAndSet(false, true)) {
                    if (departure != null) {
                        departure.stop();
                    }
                    send(request, response, callback, Api.error(e));
                }
            }
        });
        return true;
    }

    /**
     * A parked query or log follow whose client closed its connection: nothing is written, the
     * connection is closed and the request ends as failed, its places given back at once. The
     * request log and the metrics show it as 499, as nginx logs a request whose client closed the
     * connection.
     */
    private static void left(Request request, Response response, Callback callback) {
        response.setStatus(CLIENT_GONE);
        request.getConnectionMetaData().getConnection().getEndPoint().close();
        callback.failed(new org.eclipse.jetty.io.EofException("the client closed its connection while its query waited"));
    }

    /** The status a request is logged and counted with when its client left before its answer (nginx's 499). */
    static final int CLIENT_GONE = 499;

    /** A body that fell below the slowest rate accepted ({@link BodyRate}): 408, and the connection closed. */
    private static ApiResponse tooSlow(String why) {
        return ApiResponse.problem(408, "Request Timeout", why, null).header("Connection", "close");
    }

    /**
     * The callback of a request that holds a place: the place is given back when the answer is
     * out (or has failed), or, for a small answer, just before it is written ({@link #SMALL_ANSWER}).
     */
    private static final class Placed implements Callback {
        private final Runnable release;
        private final Callback callback;

        Placed(Runnable release, Callback callback) {
            this.release = release;
            this.callback = callback;
        }

        @Override
        public void succeeded() {
            release.run();
            callback.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            release.run();
            callback.failed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return callback.getInvocationType();
        }
    }

    /**
     * Answers up to this size give their request's place back just before they are written, not
     * once they are out: a client that reads its answer and sends its next request at once must
     * find its place free, and an answer this small is taken whole by the socket's buffer, so the
     * place bounded nothing more (a large one keeps its place until it is out, bounded by
     * {@link TimedWrite}).
     */
    static final int SMALL_ANSWER = 16 * 1024;

    private static ApiResponse tooLarge() {
        return ApiResponse.problem(413, "Payload Too Large", "the request body is above the limit of " + Limits.MAX_BODY_BYTES / 1024 + " KiB", null)
                .header("Connection", "close");
    }

    private static void head(Response response, ApiResponse r) {
        response.setStatus(r.status());
        HttpFields.Mutable h = response.getHeaders();
        r.headers().forEach(h::put);
        h.put("Content-Type", r.contentType());
    }

    /**
     * Writes a whole answer without blocking: Jetty completes {@code callback} when it is out, or
     * fails it at the idle timeout, or when the client reads it below {@code rate} ({@link TimedWrite}). Only streamed routes answer with a body writer, and those are
     * written by {@link #sendBlocking} on their own thread, never on a thread that completes the
     * engine's futures.
     */
    static void send(Request request, Response response, Callback callback, ApiResponse r, BodyRate rate, Runnable releaseEarly) {
        try {
            if (r.writer() != null) {
                throw new IllegalStateException("a streamed body from a route that is not streamed");
            }
            head(response, r);
            boolean headOnly = request.getMethod().equalsIgnoreCase("HEAD");
            byte[] body = headOnly ? new byte[0] : r.body();
            if (!headOnly || !r.headers().containsKey("Content-Length")) {
                response.getHeaders().put("Content-Length", Integer.toString(body.length));
            }
            if (releaseEarly != null && body.length <= SMALL_ANSWER) {
                releaseEarly.run(); // before the client can read the answer and send its next request
            }
            TimedWrite timed = TimedWrite.around(request, callback);
            response.write(true, body.length == 0 ? null : ByteBuffer.wrap(body), timed);
            timed.written(rate, body.length);
        } catch (Throwable t) {
            callback.failed(t);
        }
    }

    /** On a streamed route's own thread: the answer, its body streamed if it has a writer. */
    private static void sendBlocking(Request request, Response response, ApiResponse r, BodyRate rate) throws Exception {
        head(response, r);
        if (request.getMethod().equalsIgnoreCase("HEAD")) {
            Content.Sink.write(response, true, null);
            return;
        }
        if (r.writer() != null) {
            long n = r.writer().length();
            response.getHeaders().put("Content-Length", Long.toString(n));
            try (AutoCloseable deadline = TimedWrite.deadline(request, rate, n); OutputStream os = Content.Sink.asOutputStream(response)) {
                r.writer().writeTo(os);
            }
            return;
        }
        response.getHeaders().put("Content-Length", Integer.toString(r.body().length));
        Content.Sink.write(response, true, ByteBuffer.wrap(r.body()));
    }
}
