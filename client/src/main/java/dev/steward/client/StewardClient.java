package dev.steward.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentJoined;
import dev.steward.api.AgentRegistration;
import dev.steward.api.Heartbeat;
import dev.steward.api.Problem;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskStatus;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A client of one allocator with one token. Thread-safe; holds no global state. Build one with
 * {@link #builder(String)}; share the underlying OkHttp client between instances with
 * {@link StewardClientBuilder#http(OkHttpClient)}.
 */
public final class StewardClient {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
    static final MediaType MEDIA = MediaType.get("application/json");
    /**
     * One connection pool and dispatcher for every client of this JVM that is given no
     * OkHttpClient of its own. Plain HTTP only: OkHttp readies TLS (the JDK's trust
     * store, its certificates parsed) when a client that may speak it is built, which costs an
     * agent on plain HTTP megabytes for nothing; {@link StewardClientBuilder#build} adds TLS where an address
     * is https or a CA or certificate is given.
     */
    static final OkHttpClient SHARED = new OkHttpClient.Builder().connectionSpecs(java.util.List.of(okhttp3.ConnectionSpec.CLEARTEXT)).build();
    private final HttpUrl base;
    private final OkHttpClient http;
    private final AsyncQueries async;

    StewardClient(HttpUrl base, OkHttpClient http, AsyncQueries async) {
        this.base = base;
        this.http = http;
        this.async = async;
    }

    /** {@link StewardClientBuilder#answerGrace}'s default. */
    public static final Duration DEFAULT_ANSWER_GRACE = Duration.ofSeconds(30);

    public static StewardClientBuilder builder(String address) {
        return new StewardClientBuilder(address);
    }

    // ---------------------------------------------------------------- agents

    /** True for 127.0.0.0/8, ::1 and localhost: what never leaves the machine. Names are not resolved. */
    static boolean loopback(String host) {
        return PlainHttp.loopback(host);
    }

    public AgentJoined register(AgentRegistration reg) throws IOException {
        return call("POST", "/v1/agents", reg, AgentJoined.class, false);
    }

    public AgentInfo updateAgent(String id, AgentRegistration reg) throws IOException {
        return call("PUT", Paths.v1("agents", id), reg, AgentInfo.class, true);
    }

    public AgentInfo heartbeat(String id, Heartbeat hb) throws IOException {
        return call("PUT", Paths.v1("agents", id, "heartbeat"), hb, AgentInfo.class, true);
    }

    /** The agent's tasks, answered once the allocator's index passes {@code after} (or after {@code wait}). */
    public Indexed<List<TaskInfo>> agentTasks(String agentId, long after, Duration wait) throws IOException {
        return agentTasks(agentId, after, wait, -1);
    }

    /**
     * As {@link #agentTasks(String, long, Duration)}, with only the tasks changed after index
     * {@code since} (an allocator older than this parameter answers with every task, which is
     * also correct, only larger); {@code since} negative: every task.
     */
    public Indexed<List<TaskInfo>> agentTasks(String agentId, long after, Duration wait, long since) throws IOException {
        String path = Paths.v1("agents", agentId, "tasks") + (since >= 0 ? "?since=" + since : "");
        return query(path, after, wait, JSON.getTypeFactory().constructCollectionType(List.class, TaskInfo.class));
    }

    public TaskInfo reportTask(String agentId, String taskId, TaskStatus status) throws IOException {
        return call("PUT", Paths.v1("agents", agentId, "tasks", taskId, "status"), status, TaskInfo.class, true);
    }

    /**
     * Several reports in one request, one result per report in the same order: the task as
     * stored, or why that report was refused (for good: a 4xx status). Safe to send again.
     */
    public List<dev.steward.api.TaskReports.Result> reportTasks(String agentId, List<dev.steward.api.TaskReports.Report> reports) throws IOException {
        dev.steward.api.TaskReports.Result[] r = call("POST", Paths.v1("agents", agentId, "tasks", "statuses"), new dev.steward.api.TaskReports(reports),
                dev.steward.api.TaskReports.Result[].class, true);
        return List.of(r);
    }

    // ---------------------------------------------------------------- requests, allocations, tasks

    public dev.steward.api.RequestInfo submit(dev.steward.api.AllocateRequest req) throws IOException {
        return call("POST", "/v1/requests", req, dev.steward.api.RequestInfo.class, false);
    }

    public Indexed<dev.steward.api.RequestInfo> request(String id, long after, Duration wait) throws IOException {
        return query(Paths.v1("requests", id), after, wait, JSON.constructType(dev.steward.api.RequestInfo.class));
    }

    /** Cancels a request and releases what it holds; idempotent, so retried through failures. */
    public dev.steward.api.RequestInfo cancel(String id) throws IOException {
        return call("DELETE", Paths.v1("requests", id), null, dev.steward.api.RequestInfo.class, true);
    }

    public dev.steward.api.AllocationInfo allocation(String id) throws IOException {
        return get(Paths.v1("allocations", id), new TypeReference<>() { });
    }

    public dev.steward.api.AllocationInfo renew(String id, String ttl) throws IOException {
        return call("POST", Paths.v1("allocations", id, "renew"), new dev.steward.api.RenewRequest(ttl), dev.steward.api.AllocationInfo.class, true);
    }

    /** Releases an allocation; idempotent, so retried through failures. */
    public dev.steward.api.AllocationInfo release(String id) throws IOException {
        return call("POST", Paths.v1("allocations", id, "release"), null, dev.steward.api.AllocationInfo.class, true);
    }

    public dev.steward.api.ClusterStatus status() throws IOException {
        return get("/v1/status", new TypeReference<>() { });
    }

    public List<dev.steward.api.AgentInfo> agents() throws IOException {
        return get("/v1/agents", new TypeReference<>() { });
    }

    /** One agent, by its id. */
    public dev.steward.api.AgentInfo agent(String id) throws IOException {
        return get(Paths.v1("agents", id), new TypeReference<>() { });
    }

    /**
     * Drains an agent (admin): it takes no new allocation, and its allocations are asked to leave
     * (services' instances move); with a {@code deadline} (e.g. "1h", null for none) the leases of
     * those still there end by then. Idempotent.
     */
    public dev.steward.api.AgentInfo drain(String agentId, String deadline) throws IOException {
        return call("POST", Paths.v1("agents", agentId, "drain"), new dev.steward.api.DrainRequest(deadline), dev.steward.api.AgentInfo.class, true);
    }

    /** Makes a drained agent eligible again (admin). Idempotent. */
    public dev.steward.api.AgentInfo enable(String agentId) throws IOException {
        return call("POST", Paths.v1("agents", agentId, "enable"), null, dev.steward.api.AgentInfo.class, true);
    }

    /** Creates or replaces a role (admin): the whole spec, as {@code PUT /v1/roles/NAME}. Idempotent. */
    public dev.steward.api.RoleInfo putRole(String name, dev.steward.api.RoleSpec spec) throws IOException {
        return call("PUT", Paths.v1("roles", name), spec, dev.steward.api.RoleInfo.class, true);
    }

    /**
     * Sets role {@code name} only if it is as it was read: at {@code modifyIndex} ({@code If-Match}),
     * or, with null, only if there is none yet ({@code If-None-Match: *}). A role changed or made
     * meanwhile is a 412 and is left as it is: a read, a change and a write by two admins at once
     * lose neither's change.
     */
    public dev.steward.api.RoleInfo putRoleIfUnchanged(String name, dev.steward.api.RoleSpec spec, Long modifyIndex) throws IOException {
        Request.Builder b = new Request.Builder().url(url(Paths.v1("roles", name))).put(RequestBody.create(JSON.writeValueAsBytes(spec), MEDIA));
        if (modifyIndex == null) {
            b.header("If-None-Match", "*");
        } else {
            b.header("If-Match", "\"" + modifyIndex + "\"");
        }
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            check(r, text);
            return JSON.readValue(text, dev.steward.api.RoleInfo.class);
        }
    }

    /**
     * Creates or changes role {@code name} on the role as it is (admin): {@code change} gets it as
     * read (null: none yet) and gives what to write, which is written only if no one changed the
     * role meanwhile; else it is read and changed again, at most {@link RoleChange#ATTEMPTS} times
     * ({@link RoleChange}).
     */
    public RoleChange.Result changeRole(String name, RoleChange.Change change) throws IOException {
        return RoleChange.apply(this, name, change);
    }

    public List<dev.steward.api.RoleInfo> roles() throws IOException {
        return get("/v1/roles", new TypeReference<>() { });
    }

    /** Mints a token for {@code role} (admin): the only time its value is shown. Not retried: a retry would mint a second. */
    public dev.steward.api.TokenIssued createToken(String role, String description) throws IOException {
        return createToken(role, description, null);
    }

    /** As above, for a token that stops being accepted after {@code ttl} (e.g. "90d"; null: until revoked). */
    public dev.steward.api.TokenIssued createToken(String role, String description, String ttl) throws IOException {
        return call("POST", Paths.v1("roles", role, "tokens"), new dev.steward.api.TokenRequest(description, ttl), dev.steward.api.TokenIssued.class, false);
    }

    /**
     * Mints a join token (admin): it joins agents until {@code ttl} (null: 24 hours), at most
     * {@code uses} of them (null: any number). Not retried: a retry would mint a second.
     */
    public dev.steward.api.TokenIssued createJoinToken(String description, String ttl, Integer uses) throws IOException {
        return call("POST", "/v1/join-tokens", new dev.steward.api.JoinTokenRequest(description, ttl, uses), dev.steward.api.TokenIssued.class, false);
    }

    /**
     * Rotates a role's token (admin): a new one for the same role, description and lifetime, and
     * the old one accepted {@code grace} more (e.g. "1h"; null: refused from now). Not retried: a
     * retry would find the token rotated already.
     */
    public dev.steward.api.TokenRotated rotateToken(String id, String grace) throws IOException {
        return call("POST", Paths.v1("tokens", id, "rotate"), new dev.steward.api.TokenRotateRequest(grace), dev.steward.api.TokenRotated.class, false);
    }

    /** The tokens the allocator knows (admin), by id, never their values; {@code role} null for every token, agents' included. */
    public List<dev.steward.api.TokenInfo> tokens(String role) throws IOException {
        return get(role == null ? "/v1/tokens" : "/v1/tokens?role=" + Paths.segment(role), new TypeReference<>() { });
    }

    /** Revokes the token named {@code id} (admin): refused from the next call on. */
    public dev.steward.api.TokenInfo revokeToken(String id) throws IOException {
        return call("DELETE", Paths.v1("tokens", id), null, dev.steward.api.TokenInfo.class, false);
    }

    public List<dev.steward.api.RequestInfo> requests(String state) throws IOException {
        return get(state == null ? "/v1/requests" : "/v1/requests?state=" + Paths.segment(state), new TypeReference<>() { });
    }

    public List<dev.steward.api.AllocationInfo> allocations() throws IOException {
        return allocations(null, null);
    }

    /**
     * The allocations the token may read, only the role's named {@code role} and only those on the
     * agent whose id is {@code agentId} where these are not null; the allocator filters them.
     */
    public List<dev.steward.api.AllocationInfo> allocations(String role, String agentId) throws IOException {
        StringBuilder q = new StringBuilder();
        if (role != null) {
            q.append(q.isEmpty() ? '?' : '&').append("role=").append(Paths.segment(role));
        }
        if (agentId != null) {
            q.append(q.isEmpty() ? '?' : '&').append("agent=").append(Paths.segment(agentId));
        }
        return get("/v1/allocations" + q, new TypeReference<>() { });
    }

    public TaskInfo task(String taskId) throws IOException {
        return get(Paths.v1("tasks", taskId), new TypeReference<>() { });
    }

    public List<TaskInfo> tasksOf(String allocationId) throws IOException {
        return get(Paths.v1("allocations", allocationId, "tasks"), new TypeReference<>() { });
    }

    /**
     * Bytes of a task's log from {@code offset}, waiting up to {@code wait} for new ones; the next
     * offset; {@code ended}: the task has ended and this read reached the end of its log, so a follow stops.
     */
    public record LogChunk(byte[] bytes, long next, boolean ended) {
    }

    /** The last {@code lines} whole lines of a task's {@code stream}, and where its log ends, to follow on from ({@link LastLines}). */
    public LogChunk tail(String taskId, String stream, int lines) throws IOException {
        return LastLines.read(this, taskId, stream, lines);
    }

    public LogChunk logs(String taskId, String stream, long offset, Duration wait) throws IOException {
        HttpUrl u = url(Paths.v1("tasks", taskId, "logs")).newBuilder().addQueryParameter("stream", stream)
                .addQueryParameter("offset", Long.toString(offset)).addQueryParameter("wait", wait.toMillis() + "ms").build();
        // the allocator answers a follow within its wait and 10 s (504 when the agent does not): silence past the wait and
        // the grace (30 s) is an allocator whose machine died, not a follow to go on waiting for until the 6-minute read timeout
        OkHttpClient h = http.newBuilder().readTimeout(async.answerWithin(wait)).build();
        try (Response r = h.newCall(new Request.Builder().url(u).get().build()).execute()) {
            byte[] b = r.body() == null ? new byte[0] : r.body().bytes();
            check(r, new String(b, java.nio.charset.StandardCharsets.UTF_8));
            String next = r.header("X-Steward-Log-Offset");
            return new LogChunk(b, next == null ? offset + b.length : Long.parseLong(next), "true".equals(r.header("X-Steward-Log-End")));
        }
    }

    /** Commands run once in running tasks ({@code steward exec}, the execService step). */
    public TaskClient tasks() {
        return new TaskClient(this);
    }

    // ---------------------------------------------------------------- packages

    /** The artifact store: upload (skipped when stored), download with resume, describe. */
    public PackageClient packages() {
        return new PackageClient(this);
    }

    /** Services and deployments: deploy, follow, rollback, promote, history, discovery. */
    public DeployClient deployments() {
        return new DeployClient(this);
    }

    /** Monitors: start, follow to the verdict, report. */
    public MonitorClient monitors() {
        return new MonitorClient(this);
    }

    OkHttpClient http() {
        return http;
    }

    AsyncQueries async() {
        return async;
    }

    // ---------------------------------------------------------------- watching

    /**
     * Watches {@code path} with blocking queries: hands every new value to {@code onChange} and
     * returns the first one {@code done} accepts, or null when {@code timeout} runs out first.
     * The calling thread waits; the queries are {@link #watchAsync}'s.
     */
    public <T> T watch(String path, Class<T> type, Duration timeout, java.util.function.Predicate<T> done,
                       java.util.function.Consumer<T> onChange) throws IOException {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return join(watchAsync(path, type, clock.instant().plus(timeout), clock, done, onChange));
    }

    /** The value of {@code f}, waiting for it; its failure as the IOException it was (or wrapped in one). */
    public static <T> T join(java.util.concurrent.CompletableFuture<T> f) throws IOException {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        }
    }

    /**
     * {@link #watch} without a parked thread: the blocking queries are made with the JDK's
     * asynchronous HTTP client, whose one selector thread reads every answer, so a thousand waits
     * hold a thousand sockets and no thread. Completes with the first value {@code done} accepts,
     * or null once {@code deadline} (an absolute time, read from {@code clock}: a wait resumed after
     * a restart ends when the first one would have) has passed. Unreachable allocators and answers
     * 429/502/503/504 are retried with backoff for the client's retry budget; other errors fail it.
     * {@code onChange} runs on the HTTP client's threads: keep it short. Cancelling the future
     * stops the polling.
     */
    public <T> java.util.concurrent.CompletableFuture<T> watchAsync(String path, Class<T> type, java.time.Instant deadline, java.time.Clock clock,
                                                                   java.util.function.Predicate<T> done, java.util.function.Consumer<T> onChange) {
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        new AsyncWatch<>(async, url(path), JSON.constructType(type), deadline, clock, done, onChange, result).poll(0, 0, null);
        return result;
    }

    // ---------------------------------------------------------------- snapshots

    /** The whole stored state as a snapshot file's bytes ({@code GET /v1/snapshot}, admin token). */
    public byte[] snapshot() throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(url("/v1/snapshot")).get().build()).execute()) {
            if (!r.isSuccessful()) {
                check(r, r.body() == null ? "" : r.body().string());
            }
            return r.body() == null ? new byte[0] : r.body().bytes();
        }
    }

    // ---------------------------------------------------------------- generic

    /** A blocking query: GET {@code path?index=after&wait=...}; it gives up as {@link StewardClientBuilder#answerGrace} says. */
    public <T> Indexed<T> query(String path, long after, Duration wait, JavaType type) throws IOException {
        HttpUrl.Builder u = url(path).newBuilder();
        if (after > 0) {
            u.addQueryParameter("index", Long.toString(after)).addQueryParameter("wait", wait.toMillis() + "ms");
        }
        okhttp3.Call call = http.newCall(new Request.Builder().url(u.build()).get().build());
        if (after > 0) {
            call.timeout().timeout(async.answerWithin(wait).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        try (Response r = call.execute()) {
            String text = r.body() == null ? "" : r.body().string();
            check(r, text);
            String idx = r.header("X-Steward-Index");
            return new Indexed<>(idx == null ? 0 : Long.parseLong(idx), JSON.readValue(text, type));
        }
    }

    public <T> T get(String path, TypeReference<T> type) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(url(path)).get().build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            check(r, text);
            return JSON.readValue(text, type);
        }
    }

    /** A call with a JSON body; {@code idempotent} lets a POST be retried. */
    public <T> T call(String method, String path, Object body, Class<T> type, boolean idempotent) throws IOException {
        RequestBody rb = body == null ? RequestBody.create(new byte[0], null) : RequestBody.create(JSON.writeValueAsBytes(body), MEDIA);
        Request.Builder b = new Request.Builder().url(url(path)).method(method, rb);
        if (idempotent && method.equals("POST")) {
            b.header(RetryInterceptor.IDEMPOTENT, "true");
        }
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            check(r, text);
            return JSON.readValue(text, type);
        }
    }

    HttpUrl url(String path) {
        HttpUrl u = base.resolve(path);
        if (u == null) {
            throw new IllegalArgumentException("bad path " + path);
        }
        return u;
    }

    static void check(Response r, String text) throws StewardException {
        if (r.isSuccessful()) {
            return;
        }
        Problem p = null;
        try {
            p = JSON.readValue(text, Problem.class);
        } catch (IOException ignored) {
            // not a problem document: keep the status line
        }
        throw new StewardException(r.code(), p, r.request().method() + " /" + String.join("/", r.request().url().pathSegments()) + " -> " + r.code() + " " + r.message());
    }
}
