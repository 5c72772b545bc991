package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskReports;
import dev.steward.api.TaskSpec;
import dev.steward.api.TaskStatus;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Tasks: a client starts one in its allocation, reads and stops it, reads its logs and runs a
 * command in it (through the agent: {@link LogProxy}, {@link ExecProxy}); an agent watches its tasks with a blocking query and reports on each. A task's
 * secrets are write-only: only the agent that runs it reads their values; every other answer,
 * the one to the client that created the task included, carries them redacted.
 */
final class TaskRoutes {
    private final Handlers h;
    private final LogProxy logs;
    private final ExecProxy execs;

    TaskRoutes(Handlers h, LogProxy logs, ExecProxy execs) {
        this.h = h;
        this.logs = logs;
        this.execs = execs;
    }

    List<Route> routes() {
        Set<Kind> clients = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        Set<Kind> readers = EnumSet.of(Kind.ADMIN, Kind.ROLE, Kind.AGENT);
        Set<Kind> agentOrAdmin = EnumSet.of(Kind.ADMIN, Kind.AGENT);
        return List.of(
                new Route("POST", "/v1/allocations/{id}/tasks", clients, c -> {
                    TaskSpec spec = h.body(c, TaskSpec.class);
                    return h.command(201, (s, now) -> {
                        AllocationRoutes.mine(c.principal(), s, c.param("id"));
                        PackageAccess.require(c.principal(), s, spec.packageDigest());
                        return s.tasks().add(c.param("id"), spec, now).redacted();
                    });
                }),
                new Route("GET", "/v1/allocations/{id}/tasks", readers, c -> h.query(c, s -> {
                    AllocationRoutes.mine(c.principal(), s, c.param("id"));
                    return s.tasks().ofAllocation(c.param("id")).stream().map(t -> forReader(c.principal(), t)).toList();
                })),
                new Route("GET", "/v1/tasks/{id}", readers, c -> h.query(c, s -> forReader(c.principal(), mine(c.principal(), s, c.param("id"))))),
                new Route("POST", "/v1/tasks/{id}/stop", clients, c -> h.command(200, (s, now) -> {
                    mine(c.principal(), s, c.param("id"));
                    return s.tasks().stop(c.param("id"), "stopped by " + c.principal().describe()).redacted();
                })),
                new Route("GET", "/v1/tasks/{id}/logs", clients, c -> logs.forward(c)),
                new Route("POST", "/v1/tasks/{id}/exec", clients, c -> execs.forward(c)),
                new Route("GET", "/v1/agents/{id}/tasks", agentOrAdmin, c -> {
                    Handlers.requireAgent(c.principal(), c.param("id"));
                    long since = since(c.request().param("since"));
                    return h.query(c, s -> {
                        s.agent(c.param("id"));
                        return s.tasks().ofAgent(c.param("id")).stream().filter(t -> t.modifyIndex() > since).map(t -> forReader(c.principal(), t)).toList();
                    }, dev.steward.allocator.state.Tasks.watchKey(c.param("id")), s -> s.tasks().agentIndex(c.param("id"))); // only a change to its own tasks wakes an agent
                }),
                new Route("PUT", "/v1/agents/{id}/tasks/{task}/status", EnumSet.of(Kind.AGENT), c -> {
                    Handlers.requireAgent(c.principal(), c.param("id"));
                    TaskStatus st = h.body(c, TaskStatus.class);
                    return h.agentCommand(200, (s, now) -> s.tasks().report(c.param("id"), c.param("task"), st, now));
                }),
                new Route("POST", "/v1/agents/{id}/tasks/statuses", EnumSet.of(Kind.AGENT), c -> {
                    Handlers.requireAgent(c.principal(), c.param("id"));
                    return reports(h, c.param("id"), h.body(c, TaskReports.class).validate());
                }));
    }

    /**
     * {@code ?since=N}: only the tasks changed after index N (the X-Steward-Index of the agent's
     * last answer), so a busy agent's watch carries what changed, not its every task each time;
     * absent, every task. A task removed from the state is not in any answer: an agent learns
     * of removals from a whole list.
     */
    static long since(String text) {
        return text == null ? -1 : Handlers.index("since", text);
    }

    /**
     * Applies each report as its own command, as the single-report route does, submitted together
     * so the engine takes them in one batch and makes them durable with one write. A report the
     * allocator refuses (unknown task, wrong agent) is answered in its place and the others stand;
     * anything else (the store failing) fails the request, which the agent sends again whole (the
     * reports' sequence numbers make that harmless).
     */
    private static CompletableFuture<ApiResponse> reports(Handlers h, String agent, TaskReports body) {
        List<CompletableFuture<TaskReports.Result>> each = new ArrayList<>();
        for (TaskReports.Report r : body.reports()) {
            each.add(h.engine.commandFirst((s, now) -> s.tasks().report(agent, r.task(), r.status(), now)).handle((info, error) -> {
                if (error == null) {
                    return new TaskReports.Result(r.task(), info, null, null);
                }
                ApiResponse refused = Api.error(error);
                if (refused.status() < 400 || refused.status() >= 500) {
                    throw error instanceof CompletionException ce ? ce : new CompletionException(error);
                }
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                return new TaskReports.Result(r.task(), null, refused.status(), cause.getMessage());
            }));
        }
        return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]))
                .thenApply(v -> ApiResponse.json(200, each.stream().map(CompletableFuture::join).toList())
                        .header("X-Steward-Index", Long.toString(h.engine.index())));
    }

    /** The task as {@code p} may read it: whole for the agent that runs it, its secrets redacted for everyone else. */
    static TaskInfo forReader(Principal p, TaskInfo t) {
        return p.kind() == Kind.AGENT && p.subject().equals(t.agentId()) ? t : t.redacted();
    }

    static TaskInfo mine(Principal p, ClusterState s, String id) {
        TaskInfo t = s.tasks().get(id);
        if (!Handlers.visible(p, t.role(), t.agentId())) {
            throw new NotFound("task", id);
        }
        return t;
    }
}
