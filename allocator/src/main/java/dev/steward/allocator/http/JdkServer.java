package dev.steward.allocator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.steward.api.Limits;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves an {@link Api} with the JDK's own HTTP server. Bodies above {@link Limits#MAX_BODY_BYTES}
 * are refused with 413 before they are read whole; responses are completed asynchronously, so a
 * blocking query holds no server thread while it waits.
 */
public final class JdkServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JdkServer.class.getName());
    private static final long DRAIN_LIMIT = 64L * 1024 * 1024;
    private final HttpServer server;
    private final ExecutorService pool;

    static {
        // headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK hold every small response back by ~40 ms
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    public JdkServer(Api api, InetSocketAddress bind) throws IOException {
        server = HttpServer.create(bind, 128);
        pool = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "steward-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", ex -> handle(api, ex));
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(Api api, HttpExchange ex) {
        try {
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            Map<String, String> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.get(0)));
            if (api.streams(method, ex.getRequestURI().getRawPath())) {
                ApiRequest req = new ApiRequest(method, ex.getRequestURI().getRawPath(), ApiRequest.parseQuery(ex.getRequestURI().getRawQuery()),
                        headers, new byte[0], ex.getRequestBody());
                api.handle(req).whenComplete((resp, err) -> send(ex, err != null ? Api.error(err) : resp));
                return;
            }
            String len = ex.getRequestHeaders().getFirst("Content-Length");
            if (len != null && parseLong(len) > DRAIN_LIMIT) {
                send(ex, tooLarge()); // too big to even drain: the connection is dropped after the answer
                return;
            }
            byte[] body = readLimited(ex.getRequestBody());
            if (body == null) {
                drain(ex.getRequestBody());
                send(ex, tooLarge());
                return;
            }
            ApiRequest req = new ApiRequest(method, ex.getRequestURI().getRawPath(),
                    ApiRequest.parseQuery(ex.getRequestURI().getRawQuery()), headers, body);
            api.handle(req).whenComplete((resp, err) -> send(ex, err != null ? Api.error(err) : resp));
        } catch (RuntimeException | IOException e) {
            send(ex, Api.error(e));
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static ApiResponse tooLarge() {
        return ApiResponse.problem(413, "Payload Too Large", "the request body is above the limit of " + Limits.MAX_BODY_BYTES / 1024 + " KiB", null)
                .header("Connection", "close");
    }

    /**
     * Reads and discards the rest of an oversized body (up to {@link #DRAIN_LIMIT}), so that
     * closing the connection does not reset it and lose the 413 on its way to the client.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while (total < DRAIN_LIMIT && (n = in.read(buf)) > 0) {
            total += n;
        }
    }

    /** The body, or null if it is longer than the limit. */
    private static byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > Limits.MAX_BODY_BYTES) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static void send(HttpExchange ex, ApiResponse r) {
        try (ex) {
            r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            if (ex.getRequestMethod().equalsIgnoreCase("HEAD")) {
                ex.sendResponseHeaders(r.status(), -1); // headers only; a route sets Content-Length itself when it means it
                return;
            }
            if (r.writer() != null) {
                long n = r.writer().length();
                ex.sendResponseHeaders(r.status(), n == 0 ? -1 : n);
                if (n > 0) {
                    try (OutputStream os = ex.getResponseBody()) {
                        r.writer().writeTo(os);
                    }
                }
                return;
            }
            byte[] b = r.body();
            ex.sendResponseHeaders(r.status(), b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(b);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "client went away before the response was sent", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
