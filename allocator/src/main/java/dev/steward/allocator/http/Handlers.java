package dev.steward.allocator.http;

import dev.steward.allocator.Json;
import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.placement.AgentLedger;
import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.state.ClusterState;
import dev.steward.api.AgentInfo;
import dev.steward.api.Units;
import dev.steward.api.ValidationException;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** What the route classes share: the engine, body parsing, blocking queries, views, and access checks. */
final class Handlers {
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    static final Duration MAX_WAIT = Duration.ofMinutes(5);
    final Engine engine;
    final Clock clock;
    /** Where ready agents' heartbeats go without a hop to the owner thread. */
    final dev.steward.allocator.state.Heartbeats heartbeats;

    Handlers(Engine engine, Clock clock) {
        this.heartbeats = engine.read(dev.steward.allocator.state.ClusterState::heartbeats).join();
        this.engine = engine;
        this.clock = clock;
    }

    <T> T body(Route.Call c, Class<T> type) {
        return Json.read(c.request().body(), type);
    }

    /** A body that may be empty, read as {@code absent} then. */
    <T> T optionalBody(Route.Call c, Class<T> type, T absent) {
        byte[] b = c.request().body();
        return b == null || b.length == 0 ? absent : Json.read(b, type);
    }

    /**
     * A read, made blocking with {@code ?index=N&wait=30s}: it answers when the state's index
     * passes N or the wait is over. The response carries the index in {@code X-Steward-Index}.
     */
    <T> CompletableFuture<ApiResponse> query(Route.Call c, Function<ClusterState, T> read) {
        return query(c, read, null);
    }

    /**
     * A blocking read of part of the state: {@code of} gives the index of what it reads (an
     * agent's tasks, one deployment), which is the {@code X-Steward-Index} it answers with and
     * what {@code ?index=N} waits on, so changes elsewhere wake none of these queries.
     */
    <T> CompletableFuture<ApiResponse> query(Route.Call c, Function<ClusterState, T> read, java.util.function.ToLongFunction<ClusterState> of) {
        return query(c, read, null, of);
    }

    /**
     * A blocking read in two parts: {@code take} runs on the owner thread and takes only what the
     * answer needs, as immutable values; {@code make} builds the answer from them on the thread
     * that answers. So a large list costs the owner thread little more than copying references.
     */
    <T, R> CompletableFuture<ApiResponse> queryInParts(Route.Call c, Function<ClusterState, T> take, Function<T, R> make) {
        return query(c, take, make, null, null);
    }

    /** As above, parked under {@code key} (see {@link Engine#awaitIndex(String, java.util.function.ToLongFunction, long, Duration)}). */
    <T> CompletableFuture<ApiResponse> query(Route.Call c, Function<ClusterState, T> read, String key, java.util.function.ToLongFunction<ClusterState> of) {
        return query(c, read, Function.identity(), key, of);
    }

    private <T, R> CompletableFuture<ApiResponse> query(Route.Call c, Function<ClusterState, T> read, Function<T, R> make, String key,
                                                        java.util.function.ToLongFunction<ClusterState> of) {
        String idx = c.request().param("index");
        CompletableFuture<Long> ready;
        if (idx == null) {
            ready = CompletableFuture.completedFuture(0L);
        } else {
            long after = index("index", idx);
            String w = c.request().param("wait");
            Duration wait = w == null ? DEFAULT_WAIT : Units.duration("wait", w);
            if (wait.compareTo(MAX_WAIT) > 0) {
                throw new ValidationException("wait", "is " + Units.format(wait) + ", above the limit of 5m");
            }
            wait = spread(wait, java.util.concurrent.ThreadLocalRandom.current().nextLong());
            CompletableFuture<Long> parked = of == null ? engine.awaitIndex(after, wait) : engine.awaitIndex(key, of, after, wait);
            c.request().gone().thenRun(() -> parked.cancel(false)); // its client has gone: it stops waiting, and holds nothing more
            ready = parked;
        }
        Function<ClusterState, Object[]> indexed = s -> new Object[] {of == null ? s.index() : Math.max(1, of.applyAsLong(s)), read.apply(s)};
        boolean agent = c.principal() != null && c.principal().kind() == Principal.Kind.AGENT; // agents' answers never wait behind clients'
        return ready.thenCompose(x -> agent ? engine.read(indexed) : engine.clientRead(indexed))
                .thenApply(r -> {
                    @SuppressWarnings("unchecked") T taken = (T) r[1];
                    return ApiResponse.json(200, make.apply(taken)).header("X-Steward-Index", Long.toString((Long) r[0]));
                });
    }

    /** A query parameter that is an index: a whole number, at least 0; else a 400 naming {@code field}. */
    static long index(String field, String text) {
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "'" + text + "' is not a whole number");
        }
        if (n < 0) {
            throw new ValidationException(field, "must be at least 0");
        }
        return n;
    }

    /**
     * A blocking query's wait, lengthened by up to a sixteenth at random (as Consul and Nomad do):
     * queries parked together (every agent after an allocator restart, a cluster's agents that
     * joined together) would otherwise all time out together, every wait, for ever; spread, they
     * drift apart a little more at each wait.
     */
    static Duration spread(Duration wait, long random) {
        return wait.plusMillis(Math.floorMod(random, wait.toMillis() / 16 + 1));
    }

    /** Runs an agent's command (a join, a task report, a lost agent's return) ahead of clients' commands, and answers with its result. */
    <T> CompletableFuture<ApiResponse> agentCommand(int status, Engine.Command<T> cmd) {
        return engine.commandFirst(cmd).thenApply(r -> ApiResponse.json(status, r).header("X-Steward-Index", Long.toString(engine.index())));
    }

    /** Runs a command and answers with its result. */
    <T> CompletableFuture<ApiResponse> command(int status, Engine.Command<T> cmd) {
        return engine.command(cmd).thenApply(r -> ApiResponse.json(status, r).header("X-Steward-Index", Long.toString(engine.index())));
    }

    /** A query parameter naming one value of an enum, case-insensitive; null when absent. */
    static <E extends Enum<E>> E enumParam(String field, String text, Class<E> type) {
        if (text == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, text.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String allowed = java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(java.util.Locale.ROOT))
                    .collect(java.util.stream.Collectors.joining(", "));
            throw new ValidationException(field, "'" + text + "' is not one of " + allowed);
        }
    }

    /** An agent as the API shows it: with what its allocations hold. */
    static AgentInfo view(ClusterState s, AgentInfo a) {
        AgentLedger l = s.ledger(a.id());
        return new AgentHeld(a, l.total(), l.used()).view();
    }

    /** The list of agents from what {@link AgentHeld#all} took, off the owner thread. */
    static java.util.List<AgentInfo> views(AgentHeld[] held) {
        java.util.List<AgentInfo> out = new java.util.ArrayList<>(held.length);
        for (AgentHeld h : held) {
            out.add(h.view());
        }
        return out;
    }

    /** Whether {@code p} may see something held by {@code role} on {@code agentId}: the admin sees all, a role its own, an agent what runs on it. */
    static boolean visible(Principal p, String role, String agentId) {
        return switch (p.kind()) {
            case ADMIN -> true;
            case ROLE -> role.equals(p.subject());
            case AGENT -> agentId.equals(p.subject());
            case JOIN, METRICS -> false;
        };
    }

    /** An agent token may act only for its own agent; the admin for any. */
    static void requireAgent(Principal p, String agentId) {
        if (p.kind() == Principal.Kind.AGENT && !p.subject().equals(agentId)) {
            throw ApiError.forbidden(p.describe() + " may not act for agent " + agentId);
        }
    }
}
