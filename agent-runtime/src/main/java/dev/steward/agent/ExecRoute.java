package dev.steward.agent;

import dev.steward.api.ExecRequest;
import dev.steward.api.ExecResult;
import dev.steward.api.ValidationException;
import dev.steward.connections.ClientDeparture;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code POST /v1/tasks/ID/exec?nonce=N&timeout=T&arg=A&arg=B...} on the agent's endpoint: runs a
 * command in a running task ({@link TaskExec}) and answers with an {@link ExecResult} as JSON.
 * The whole command travels in the query, so the allocator's signature ({@link
 * dev.steward.api.AgentSignature}, checked before this) covers it: nobody on the path can change
 * it. A signed request is also run at most once: its {@code nonce} is remembered for as long as
 * a signature is good, and a request that repeats one is refused, so a request seen on the wire
 * cannot be sent again to run the command twice. A caller that leaves before the answer has
 * the command killed then.
 */
final class ExecRoute {
    /** Nonces kept while their signature could still be accepted (a signature is good for a minute either side of now). */
    private static final long KEEP_NANOS = 2 * dev.steward.api.AgentSignature.MAX_AGE_MILLIS * 1_000_000L + 1_000_000_000L;
    /**
     * The most nonces kept at once (about 1 MB of the agent's small heap): past it, a command is
     * refused until older ones are forgotten. 10,000 in two minutes is 80 commands a second.
     */
    static final int MAX_NONCES = 10_000;
    private final Map<String, Long> nonces = new ConcurrentHashMap<>();
    private volatile TaskExec execs;

    /** Where commands run; until set (the agent starting), a command is refused with a 503. */
    void execs(TaskExec e) {
        this.execs = e;
    }

    /**
     * Runs the command of {@code request}; while it runs the connection is watched ({@link
     * ClientDeparture}), and a caller that leaves (the allocator, when its own client has gone)
     * has the command killed at once.
     */
    void handle(Request request, Response response, Callback callback, String taskId, String query) {
        TaskExec e = execs;
        if (e == null) {
            LogServer.send(response, callback, 503, "the agent is starting; try again shortly");
            return;
        }
        Map<String, String> q = Query.parse(query);
        String nonce = q.get("nonce");
        if (nonce == null || !nonce.matches("[A-Za-z0-9_-]{16,64}")) {
            LogServer.send(response, callback, 400, "nonce: 16 to 64 letters, digits, '-' or '_' are required");
            return;
        }
        long now = System.nanoTime();
        if (nonces.size() >= MAX_NONCES / 10) {
            nonces.values().removeIf(until -> now - until > 0);
        }
        if (nonces.size() >= MAX_NONCES) {
            LogServer.send(response, callback, 503, "too many commands in the last two minutes (" + MAX_NONCES + "); try again shortly");
            return;
        }
        Long seen = nonces.put(nonce, now + KEEP_NANOS); // a replay is refused, and kept in mind for longer
        if (seen != null && now - seen < 0) {
            LogServer.send(response, callback, 409, "this request was already run once (its nonce was seen before): a command is never run twice from one request");
            return;
        }
        List<String> command = Query.all(query, "arg");
        Duration timeout;
        try {
            timeout = new ExecRequest(command, q.get("timeout")).check();
        } catch (ValidationException v) {
            LogServer.send(response, callback, 400, v.getMessage());
            return;
        }
        CompletableFuture<Void> gone = new CompletableFuture<>();
        ClientDeparture departure = ClientDeparture.watch(request.getConnectionMetaData().getConnection().getEndPoint(), () -> gone.complete(null));
        e.run(taskId, command, timeout, gone).whenComplete((result, err) -> {
            if (departure.stop()) {
                response.getHeaders().put("Connection", "close"); // a byte of a next request was read: it is sent again
            }
            if (gone.isDone()) {
                callback.failed(new java.io.IOException("the caller left before the command ended")); // nobody reads an answer
                return;
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof TaskExec.Refused r) {
                LogServer.send(response, callback, r.status, r.getMessage());
            } else if (cause != null) {
                java.util.logging.Logger.getLogger(ExecRoute.class.getName()).log(java.util.logging.Level.WARNING,
                        "task " + taskId + ": a command could not be run", cause);
                LogServer.send(response, callback, 500, "the command could not be run: " + cause);
            } else {
                byte[] body;
                try {
                    body = Agent.JSON.writeValueAsBytes(result);
                } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                    LogServer.send(response, callback, 500, "the command's result could not be written: " + x.getMessage());
                    return;
                }
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "application/json");
                response.getHeaders().put("Content-Length", Integer.toString(body.length));
                response.write(true, ByteBuffer.wrap(body), callback);
            }
        });
    }
}
