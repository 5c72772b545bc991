package dev.steward.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.steward.api.AgentSignature;
import dev.steward.api.Units;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The agent's HTTP endpoint for the allocator: {@code GET /v1/tasks/ID/logs?stream=&offset=&wait=}.
 * Every request must carry the allocator's signature ({@link AgentSignature}), keyed by this
 * agent's token hash. With {@code wait}, an empty read waits for new bytes (polling the file every
 * 100 ms) up to the wait: a follow. A read at the end of an ended task's log answers at once
 * with {@code X-Steward-Log-End: true}, so a follow knows to stop.
 */
final class LogServer implements AutoCloseable {
    private static final int MAX_CHUNK = 1024 * 1024;
    /** Set on a read at the end of a task that has ended: no more bytes will come. */
    static final String END_HEADER = "X-Steward-Log-End";
    private final HttpServer server;
    private final Path tasksDir;
    private final java.util.function.Supplier<String> key;

    /** {@code tokenHash} is asked per request: the server is bound before the agent has joined. */
    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true"); // headers and body are separate writes: without it, ~40 ms Nagle stalls
        }
    }

    LogServer(InetSocketAddress bind, Path tasksDir, java.util.function.Supplier<String> tokenHash) throws IOException {
        this.tasksDir = tasksDir;
        this.key = tokenHash;
        server = HttpServer.create(bind, 64);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "steward-agent-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/v1/tasks/", this::handle);
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            String signed = path + (query == null ? "" : "?" + query);
            String k = key.get();
            if (k == null || !AgentSignature.verify(k, ex.getRequestHeaders().getFirst(AgentSignature.HEADER), signed, System.currentTimeMillis())) {
                send(ex, 401, "text/plain", "missing or bad allocator signature".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            String[] parts = path.split("/");
            if (parts.length != 5 || !parts[4].equals("logs") || !parts[3].matches("[A-Za-z0-9-]+")) {
                send(ex, 404, "text/plain", "no such route".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            Map<String, String> q = dev.steward.agent.Query.parse(query);
            String stream = q.getOrDefault("stream", "stdout");
            if (!stream.equals("stdout") && !stream.equals("stderr")) {
                send(ex, 400, "text/plain", "stream must be stdout or stderr".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            Path dir = tasksDir.resolve(parts[3]);
            if (!Files.isDirectory(dir)) {
                send(ex, 404, "text/plain", ("no task " + parts[3] + " on this agent").getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            long offset = Long.parseLong(q.getOrDefault("offset", "0"));
            Duration wait = q.containsKey("wait") ? Units.duration("wait", q.get("wait")) : Duration.ZERO;
            long deadline = System.nanoTime() + wait.toNanos();
            // "done" is written once the task's last process has exited: read after seeing it, the file holds every byte
            boolean ended = Files.exists(dir.resolve("done"));
            LogFiles.Chunk c = LogFiles.read(dir, stream + ".log", offset, MAX_CHUNK);
            while (c.bytes().length == 0 && !ended && System.nanoTime() < deadline) {
                Thread.sleep(100); // a follow: poll the file for new bytes until the wait is over
                ended = Files.exists(dir.resolve("done"));
                c = LogFiles.read(dir, stream + ".log", offset, MAX_CHUNK);
            }
            if (c.bytes().length == 0 && ended) {
                ex.getResponseHeaders().set(END_HEADER, "true"); // nothing more will come: a follow ends here
            }
            send(ex, 200, "text/plain; charset=utf-8", c.bytes(), Long.toString(c.next()));
        } catch (RuntimeException e) {
            send(ex, 400, "text/plain", String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body, String offset) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if (offset != null) {
            ex.getResponseHeaders().set("X-Steward-Log-Offset", offset);
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
