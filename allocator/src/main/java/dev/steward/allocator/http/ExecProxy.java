package dev.steward.allocator.http;

import dev.steward.allocator.state.Conflict;
import dev.steward.api.ControlChars;
import dev.steward.api.ExecRequest;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskState;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/tasks/ID/exec}: runs a command once in a running task, as {@code kubectl exec}
 * does without a terminal. The task's role may (or the admin): it could start a task with that
 * command in its allocation anyway. Before the command goes to the agent, who asked for what is
 * made durable in the allocation's history (an {@code EXEC} event), so every command run in a
 * task can be found again, and logged by the allocator (the operator's record, which the role
 * cannot push out of a bounded history by running more commands). The agent gets it signed, with a nonce, in the request's query
 * ({@link AgentTarget#execRequest}), runs it as the task runs, and answers with the command's exit
 * code and output ({@link dev.steward.api.ExecResult}). The answer is bounded as a log read's
 * is ({@link BoundedFetch}): within the command's timeout and 10 s (else 504), at most 4 MiB.
 */
final class ExecProxy {
    /** The most bytes of an agent's answer: two streams of 256 KiB, as JSON (escapes make text longer). */
    static final long MAX_ANSWER = 4L * 1024 * 1024;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ExecProxy.class.getName());
    private final Handlers h;
    private final Clock clock;
    private final HttpClient http;

    ExecProxy(Handlers h, Clock clock, javax.net.ssl.SSLContext tls) {
        this.h = h;
        this.clock = clock;
        this.http = BoundedFetch.agentClient("steward-exec-proxy", tls);
    }

    CompletableFuture<ApiResponse> forward(Route.Call c) {
        ExecRequest req = h.body(c, ExecRequest.class);
        Duration timeout = req.check();
        return h.engine.command((s, now) -> {
            TaskInfo t = TaskRoutes.mine(c.principal(), s, c.param("id"));
            if (t.state() != TaskState.RUNNING || t.stopRequested()) {
                throw new Conflict("task " + t.id() + " is " + (t.stopRequested() && !t.state().terminal() ? "stopping"
                        : "not running (it is " + t.state().name().toLowerCase() + ")") + ": a command runs only in a running task");
            }
            s.note(t.allocationId(), "EXEC", "by " + c.principal().describe() + " in task " + ControlChars.escapeLine(t.spec().name()) + " (" + t.id()
                    + "): " + req.shown(), now);
            return new Target(t, s.agent(t.agentId()).name(), AgentTarget.of(s, t.agentId()));
        }).thenCompose(target -> {
            LOG.info(c.principal().describe() + " runs a command in task " + target.task().id() + " (allocation " + target.task().allocationId()
                    + ", agent " + target.agentName() + "): " + req.shown());
            Duration within = timeout.plusSeconds(10);
            var request = target.agent().execRequest(target.task().id(), req.command(), timeout, within, clock.millis());
            return BoundedFetch.send(http, request, MAX_ANSWER, within, c.request().gone()).handle((resp, err) -> {
                String at = "the agent at " + target.agent().address();
                if (err instanceof BoundedFetch.TooSlow) {
                    return ApiResponse.problem(504, "Gateway Timeout", at + " " + err.getMessage() + " (its machine may be down or cut off); "
                            + "the command may have run", null);
                }
                if (err != null) {
                    return ApiResponse.problem(502, "Bad Gateway", at + " did not answer: " + LogProxy.unreachable(err) + "; the command may have run", null);
                }
                if (resp.statusCode() >= 400) {
                    String body = new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8).strip();
                    return LogProxy.passedOn(resp.statusCode(), "agent " + target.agentName() + " answered " + resp.statusCode() + ": "
                            + ControlChars.escape(body.length() > 300 ? body.substring(0, 300) + "…" : body));
                }
                return new ApiResponse(200, "application/json", new java.util.LinkedHashMap<>(), resp.body());
            });
        });
    }

    /** What the command's call needs of the state, taken on the owner thread. */
    private record Target(TaskInfo task, String agentName, AgentTarget agent) {
    }
}
