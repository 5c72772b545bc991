package dev.steward.allocator.http;

import dev.steward.api.Limits;
import dev.steward.api.TaskInfo;
import dev.steward.api.ValidationException;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/tasks/ID/logs}: the agent keeps a task's logs, so the allocator forwards the
 * read to the agent's {@code address} attribute, signed with the agent's token hash (which both
 * sides hold) so only the allocator can read them. {@code offset} and {@code wait} make a follow:
 * the answer holds the bytes from {@code offset} (waiting up to {@code wait} for new ones) and
 * {@code X-Steward-Log-Offset}, where the next read starts; {@code X-Steward-Log-End: true} says
 * the task has ended and its log has no more bytes. A follow holds no thread while it waits, and
 * a parked query's place ({@link TrafficClass#WATCH}), not an API request's. The agent's answer is
 * bounded ({@link BoundedFetch}): within the wait and 10 s (else 504), at most 1 MiB (else 502).
 */
final class LogProxy {
    private final Handlers h;
    private final Clock clock;
    private final HttpClient http;

    /** {@code tls}: how to reach agents that serve HTTPS (trust their CA, present the allocator's certificate); null: the JDK's defaults. */
    LogProxy(Handlers h, Clock clock, javax.net.ssl.SSLContext tls) {
        this.h = h;
        this.clock = clock;
        this.http = BoundedFetch.agentClient("steward-log-proxy", tls);
    }

    CompletableFuture<ApiResponse> forward(Route.Call c) {
        String stream = c.request().param("stream") == null ? "stdout" : c.request().param("stream");
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            throw new ValidationException("stream", "'" + stream + "' is not a log stream; use stdout or stderr");
        }
        long offset = number("offset", c.request().param("offset"), 0);
        String wait = c.request().param("wait");
        Duration w = wait == null ? Duration.ZERO : dev.steward.api.Units.duration("wait", wait);
        if (w.compareTo(Handlers.MAX_WAIT) > 0) {
            throw new ValidationException("wait", "is above the limit of 5m");
        }
        return h.engine.read(s -> {
            TaskInfo t = TaskRoutes.mine(c.principal(), s, c.param("id"));
            return new Read(t, s.agent(t.agentId()).name(), AgentTarget.of(s, t.agentId()));
        }).thenCompose(read -> {
            AgentTarget target = read.target();
            Duration within = answerWithin(w);
            HttpRequest req = target.logRequest(c.param("id"), stream, offset, wait, within, clock.millis());
            // its client gone, the read to the agent is cancelled: the agent's follow, watched too, gives its place back
            return BoundedFetch.send(http, req, Limits.MAX_LOG_CHUNK, within, c.request().gone()).handle((resp, err) -> {
                if (err instanceof BoundedFetch.TooSlow) {
                    return ApiResponse.problem(504, "Gateway Timeout", "the agent at " + target.address() + " " + err.getMessage()
                            + " (its machine may be down or cut off); try again", null).header("Retry-After", "1");
                }
                if (err != null) {
                    return ApiResponse.problem(502, "Bad Gateway", "the agent at " + target.address() + " did not answer: " + unreachable(err), null);
                }
                if (resp.statusCode() >= 400) { // the agent's own words are plain text: said as a problem a client reads
                    return passedOn(resp.statusCode(), agentRefusal(read.task(), read.agentName(), resp.statusCode(),
                            new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8)));
                }
                LinkedHashMap<String, String> headers = new LinkedHashMap<>();
                resp.headers().firstValue("X-Steward-Log-Offset").ifPresent(v -> headers.put("X-Steward-Log-Offset", v));
                resp.headers().firstValue("X-Steward-Log-End").ifPresent(v -> headers.put("X-Steward-Log-End", v));
                String type = resp.headers().firstValue("Content-Type").orElse("text/plain; charset=utf-8");
                return new ApiResponse(resp.statusCode(), type, headers, resp.body());
            });
        });
    }

    /**
     * An agent's refusal as the client gets it: a problem of the agent's type with {@code detail};
     * a 400, 404, 409 or 503 keeps its status (a 503 with {@code Retry-After}), any other is the
     * agent's own failure, a 502 to the client.
     */
    static ApiResponse passedOn(int code, String detail) {
        int status = code == 404 || code == 400 || code == 409 || code == 503 ? code : 502;
        ApiResponse p = ApiResponse.agentProblem(status, switch (status) {
            case 404 -> "Not Found";
            case 400 -> "Bad Request";
            case 409 -> "Conflict";
            case 503 -> "Service Unavailable";
            default -> "Bad Gateway";
        }, detail);
        return status == 503 ? p.header("Retry-After", "1") : p;
    }

    /** What the read needs of the state, taken on the owner thread: the task, its agent's name, and where to reach it. */
    private record Read(TaskInfo task, String agentName, AgentTarget target) {
    }

    /**
     * Why the agent gave no log, in a user's words. A 404 is the agent having no directory for the
     * task: not started there yet, ended before it started, or ended and its sandbox removed (its
     * retention passed, or its disk ran low). Anything else is the agent's own reason, quoted, control characters escaped.
     */
    static String agentRefusal(TaskInfo t, String agent, int status, String body) {
        if (status == 404) {
            if (t.state() == dev.steward.api.TaskState.PENDING) {
                return "task " + t.id() + " has not started on agent " + agent + " yet: it has no output so far";
            }
            if (t.state() != null && t.state().terminal() && t.startedAt() == null) {
                return "task " + t.id() + " ended (" + t.state().name().toLowerCase() + ") before it started on agent " + agent + ", so it has no output"
                        + (t.reason() == null ? "" : ": " + dev.steward.api.ControlChars.escape(t.reason()));
            }
            if (t.state() != null && t.state().terminal()) {
                return "task " + t.id() + " ended (" + t.state().name().toLowerCase() + ") and agent " + agent
                        + " has removed its sandbox and its output (after the agent's sandbox-retention, or sooner on a disk running low)";
            }
            return "agent " + agent + " has no output of task " + t.id();
        }
        String why = body.strip();
        return "agent " + agent + " answered " + status + ": " + dev.steward.api.ControlChars.escape(why.length() > 300 ? why.substring(0, 300) + "…" : why);
    }

    /**
     * Why an agent could not be read, in a user's words: a refused connection is the agent not
     * running there (or its machine down), not a Java exception's name.
     */
    static String unreachable(Throwable err) {
        Throwable e = err;
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof java.net.ConnectException) {
            return "the connection was refused (the agent is not running there, or its machine is down)";
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "no connection within its timeout (its machine may be down or cut off)";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /**
     * How long a read may take before the allocator gives up on the agent: the follow's wait and
     * 10 s. The agent answers a follow at the end of its wait at the latest; past that and a
     * margin its machine is down or cut off, and the client's request, holding one of the API's
     * places, is answered 504 rather than held until a timeout of minutes.
     */
    static Duration answerWithin(Duration wait) {
        return wait.plusSeconds(10);
    }

    private static long number(String field, String text, long absent) {
        if (text == null) {
            return absent;
        }
        try {
            long v = Long.parseLong(text);
            if (v < 0) {
                throw new ValidationException(field, "must be at least 0");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "'" + text + "' is not a whole number");
        }
    }

}
