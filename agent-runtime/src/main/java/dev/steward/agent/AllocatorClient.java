package dev.steward.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentJoined;
import dev.steward.api.AgentRegistration;
import dev.steward.api.Digests;
import dev.steward.api.Heartbeat;
import dev.steward.api.Problem;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskReports;
import dev.steward.api.TaskStatus;
import dev.steward.client.Indexed;
import dev.steward.client.PartialDownload;
import dev.steward.client.Paths;
import dev.steward.client.PlainHttp;
import dev.steward.client.StewardException;
import dev.steward.tls.TlsFiles;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The agent's client of the allocator, on the JDK's {@code HttpURLConnection}: the calls an
 * agent makes (join, re-register, heartbeat, the blocking query of its tasks, task reports,
 * package downloads). It keeps the client library's rules ({@code dev.steward.client}), which
 * the CLI and the plugin use on OkHttp: several allocators may be given (a follower's 307
 * naming the leader is followed; an allocator that refuses the connection passes the turn to
 * the next); idempotent calls are retried through connection failures and 502-504s with
 * backoff within a budget, and a follower's 307 to a leader not reached yet, or a 503 that says
 * it did nothing ({@code X-Steward-Not-Applied}: an allocator waiting for room on its disk, or
 * stopping), is retried for any call, a join too; each call carries a request id, kept across
 * its retries, and named when the call fails; TLS is checked against the cluster's CA, with the agent's certificate presented when asked; and a token never goes over
 * plain HTTP off loopback unless allowed. OkHttp cost an idle agent 5.4 MB more than this
 * (docs/benchmarks.md). Thread-safe.
 */
final class AllocatorClient {
    static final String LEADER_HEADER = "X-Steward-Leader";
    static final String NOT_APPLIED_HEADER = "X-Steward-Not-Applied";
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "PUT", "DELETE");
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final List<URI> all;
    private volatile URI current;
    private final String token;
    private final boolean allowPlainHttp;
    private final SSLSocketFactory ssl;
    private final int readTimeoutMs;
    private final Duration retryBudget;

    /**
     * A client of {@code addresses} ({@code http://a:4646[,http://b:4646...]}) with {@code token}
     * (null: none). {@code tls} (null: the JDK's trust store for https) gives the CA and the
     * agent's certificate; {@code readTimeout} bounds each wait for the allocator's bytes (above
     * the longest blocking query); {@code retryBudget} bounds an idempotent call's retries.
     */
    AllocatorClient(String addresses, String token, TlsFiles tls, boolean allowPlainHttp, Duration readTimeout, Duration retryBudget) {
        this.all = parse(addresses);
        this.current = all.get(0);
        this.token = token;
        this.allowPlainHttp = allowPlainHttp;
        this.readTimeoutMs = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        this.retryBudget = retryBudget;
        for (URI u : all) {
            if (!allowed(u)) {
                throw new IllegalArgumentException(PlainHttp.refusal(u.getHost()));
            }
        }
        if (tls != null) {
            try {
                ssl = tls.context().getSocketFactory(); // its files read again when they change: a renewed certificate, a new CA, a revocation
            } catch (IOException e) {
                throw new IllegalArgumentException("TLS: " + e.getMessage(), e);
            }
        } else {
            ssl = null;
        }
    }

    /** Parses the addresses; names the bad one. */
    static List<URI> parse(String addresses) {
        List<URI> out = new ArrayList<>();
        for (String a : addresses.split(",")) {
            String t = a.trim();
            if (t.isEmpty()) {
                continue;
            }
            URI u;
            try {
                u = new URI(t);
            } catch (java.net.URISyntaxException e) {
                u = null;
            }
            if (u == null || u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException("'" + t + "' is not an http(s) address such as http://127.0.0.1:4646");
            }
            out.add(u);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("'" + addresses + "' names no allocator: give http(s)://HOST:PORT, or several separated by commas");
        }
        return out;
    }

    /** Whether this client's token may go to {@code u}: over HTTPS, to loopback, or anywhere when plain HTTP is allowed. */
    private boolean allowed(URI u) {
        return "https".equals(u.getScheme()) || token == null || allowPlainHttp || PlainHttp.loopback(u.getHost());
    }

    // ---------------------------------------------------------------- the agent's calls

    AgentJoined register(AgentRegistration reg) throws IOException {
        return json("POST", "/v1/agents", reg, false, AgentJoined.class);
    }

    AgentInfo updateAgent(String id, AgentRegistration reg) throws IOException {
        return json("PUT", Paths.v1("agents", id), reg, true, AgentInfo.class);
    }

    AgentInfo heartbeat(String id, Heartbeat hb) throws IOException {
        return json("PUT", Paths.v1("agents", id, "heartbeat"), hb, true, AgentInfo.class);
    }

    /**
     * The agent's tasks, answered once the allocator's index passes {@code after} (or after
     * {@code wait}); with {@code since} ≥ 0 only the tasks changed after that index.
     */
    Indexed<List<TaskInfo>> agentTasks(String agentId, long after, Duration wait, long since) throws IOException {
        StringBuilder path = new StringBuilder(Paths.v1("agents", agentId, "tasks"));
        char sep = '?';
        if (since >= 0) {
            path.append(sep).append("since=").append(since);
            sep = '&';
        }
        if (after > 0) {
            path.append(sep).append("index=").append(after).append("&wait=").append(wait.toMillis()).append("ms");
        }
        int readMs = after > 0 ? (int) Math.min(readTimeoutMs, answerWithin(wait).toMillis()) : readTimeoutMs;
        HttpURLConnection c = call("GET", path.toString(), null, true, Map.of(), readMs);
        byte[] body = body(c, "GET", path.toString());
        String idx = c.getHeaderField("X-Steward-Index");
        return new Indexed<>(idx == null ? 0 : Long.parseLong(idx), JSON.readValue(body, JSON.getTypeFactory().constructCollectionType(List.class, TaskInfo.class)));
    }

    /** What an answer to a blocking query may take beyond its wait: the allocator spreads a wait by up to a 16th more, and may be slow. */
    static final Duration ANSWER_SLACK = Duration.ofSeconds(10);

    /**
     * How long a blocking query with {@code wait} may go without a byte before its connection is
     * taken as dead (an allocator whose machine died sends no FIN, and a read would otherwise
     * wait out the client's whole read timeout with no task reaching the agent): the wait, the
     * allocator's spread of it, and {@link #ANSWER_SLACK}.
     */
    static Duration answerWithin(Duration wait) {
        return wait.plus(wait.dividedBy(16)).plus(ANSWER_SLACK);
    }

    TaskInfo reportTask(String agentId, String taskId, TaskStatus status) throws IOException {
        return json("PUT", Paths.v1("agents", agentId, "tasks", taskId, "status"), status, true, TaskInfo.class);
    }

    /** Several reports in one request, one result per report in the same order. Safe to send again. */
    List<TaskReports.Result> reportTasks(String agentId, List<TaskReports.Report> reports) throws IOException {
        return List.of(json("POST", Paths.v1("agents", agentId, "tasks", "statuses"), new TaskReports(reports), true, TaskReports.Result[].class));
    }

    /**
     * Downloads package {@code digest} into {@code target}, resuming a partial download
     * with a byte range, and verifying the digest before the file takes its name
     * ({@link PartialDownload}, as the client library's {@code PackageClient.download}). Returns its size.
     */
    long download(String digest, Path target) throws IOException {
        Digests.check("digest", digest);
        String range = PartialDownload.range(target);
        String path = Paths.v1("packages", digest);
        HttpURLConnection c = call("GET", path, null, true, range != null ? Map.of("Range", range, "If-Range", "\"" + digest + "\"") : Map.of());
        try {
            int code = c.getResponseCode();
            if (code == 416) {
                discard(c);
                Files.deleteIfExists(PartialDownload.partOf(target)); // the partial file is longer than the package: start again
                return download(digest, target);
            }
            if (code < 200 || code >= 300) {
                body(c, "GET", path); // throws with the allocator's problem
            }
            return PartialDownload.complete(target, digest, c.getInputStream(), code == 206);
        } catch (IOException e) {
            c.disconnect();
            throw e;
        }
    }

    // ---------------------------------------------------------------- transport

    private <T> T json(String method, String path, Object body, boolean idempotent, Class<T> type) throws IOException {
        HttpURLConnection c = call(method, path, body == null ? null : JSON.writeValueAsBytes(body), idempotent, Map.of());
        try {
            return JSON.readValue(body(c, method, path), type);
        } catch (StewardException e) {
            if (e.status() == 401 && e.problem() == null && body != null) {
                throw whyUnauthorized(path, e);
            }
            throw e;
        }
    }

    /**
     * Why a call with a body was refused 401. HttpURLConnection drops a 401's body when the request
     * was streamed (as every call with a body is here, so it is never sent twice), leaving only
     * "401 Unauthorized"; a GET of the same path, which streams nothing, reads the allocator's
     * reason ("the token is not known", "... expired", "... revoked"). {@code e} if it cannot.
     */
    private StewardException whyUnauthorized(String path, StewardException e) {
        try {
            body(call("GET", path, null, true, Map.of()), "GET", path);
        } catch (StewardException g) {
            if (g.status() == 401 && g.problem() != null) {
                return g;
            }
        } catch (IOException ignored) {
            // the reason cannot be read: the status alone
        }
        return e;
    }

    /**
     * Sends a call, with retries by the rules above, and returns the connection once its answer's
     * status line and headers are in (the caller reads the body, or {@link #body}).
     */
    private HttpURLConnection call(String method, String path, byte[] body, boolean idempotent, Map<String, String> headers) throws IOException {
        return call(method, path, body, idempotent, headers, readTimeoutMs);
    }

    /** As above, each wait for the allocator's bytes bounded by {@code readMs}. */
    private HttpURLConnection call(String method, String path, byte[] body, boolean idempotent, Map<String, String> headers, int readMs) throws IOException {
        boolean retryable = idempotent || SAFE.contains(method);
        String requestId = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + retryBudget.toNanos();
        long delay = 100;
        while (true) {
            IOException failure = null;
            HttpURLConnection c = null;
            int code = -1;
            try {
                c = toCurrent(method, path, body, requestId, headers, readMs);
                code = c.getResponseCode();
            } catch (IOException e) {
                failure = e;
            }
            boolean again = failure != null || code == 502 || code == 503 || code == 504;
            // a follower's 307 to a leader that could not be reached (a failover under way), or a 503 that says nothing was done (a store
            // outage, a stop): any call may go again
            boolean unacted = c != null && (code == 307 && c.getHeaderField(LEADER_HEADER) != null
                    || code == 503 && "true".equalsIgnoreCase(c.getHeaderField(NOT_APPLIED_HEADER)));
            if (!(retryable && again || unacted) || System.nanoTime() + delay * 1_000_000 > deadline) {
                if (failure != null) {
                    throw failed(method, path, requestId, failure);
                }
                return c;
            }
            discard(c);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting to retry " + method + " " + path, e);
            }
            delay = Math.min(5000, delay * 2);
        }
    }

    /**
     * A call that got no answer, said with its request id: the allocator's access log names each
     * request it answered by that id, so an operator can tell a request the allocator never
     * answered from an answer lost on the way. The cause keeps the failure's own type.
     */
    static IOException failed(String method, String path, String requestId, IOException failure) {
        int q = path.indexOf('?');
        return new IOException(method + " " + (q < 0 ? path : path.substring(0, q)) + " (request " + requestId + ") failed: " + failure, failure);
    }

    /** One try: to the current allocator, following a follower's 307 to the leader, and past allocators that refuse the connection. */
    private HttpURLConnection toCurrent(String method, String path, byte[] body, String requestId, Map<String, String> headers, int readMs) throws IOException {
        int refused = 0;
        for (int hops = 0; ; hops++) {
            URI target = current;
            HttpURLConnection c;
            int code;
            try {
                c = open(target, method, path, body, requestId, headers, readMs);
                code = c.getResponseCode();
            } catch (IOException e) {
                failed(target);
                if (e instanceof ConnectException && ++refused < all.size()) {
                    continue;
                }
                throw e;
            }
            String leader = c.getHeaderField(LEADER_HEADER);
            if (code == 307 && leader != null && hops < 3) {
                leaderIs(leader);
                discard(c);
                continue;
            }
            if (leader != null) {
                leaderIs(leader);
            }
            return c;
        }
    }

    private HttpURLConnection open(URI target, String method, String path, byte[] body, String requestId, Map<String, String> headers, int readMs) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(target.getScheme() + "://" + target.getRawAuthority() + path).toURL().openConnection();
        if (ssl != null && c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(ssl);
        }
        c.setInstanceFollowRedirects(false); // a follower's 307 is followed above, with the token
        c.setConnectTimeout(Math.min(CONNECT_TIMEOUT_MS, readMs));
        c.setReadTimeout(readMs);
        c.setRequestMethod(method);
        c.setRequestProperty("X-Request-Id", requestId);
        if (token != null) {
            c.setRequestProperty("Authorization", "Bearer " + token);
        }
        headers.forEach(c::setRequestProperty);
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setFixedLengthStreamingMode(body.length); // streamed: HttpURLConnection never sends it again on its own
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
        }
        return c;
    }

    /** The answer's body; an error status is thrown as a {@link StewardException} with the allocator's problem. */
    private static byte[] body(HttpURLConnection c, String method, String path) throws IOException {
        int code = c.getResponseCode();
        boolean ok = code >= 200 && code < 300;
        byte[] bytes;
        try (InputStream in = ok ? c.getInputStream() : c.getErrorStream()) {
            bytes = in == null ? new byte[0] : in.readAllBytes();
        }
        if (ok) {
            return bytes;
        }
        Problem p = null;
        try {
            p = JSON.readValue(bytes, Problem.class);
        } catch (IOException ignored) {
            // not a problem document: keep the status line
        }
        int q = path.indexOf('?');
        throw new StewardException(code, p, method + " " + (q < 0 ? path : path.substring(0, q)) + " -> " + code + " " + c.getResponseMessage());
    }

    /** Reads and drops an answer, so its connection can be used again. */
    private static void discard(HttpURLConnection c) {
        if (c == null) {
            return;
        }
        try (InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream()) {
            if (in != null) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException e) {
            c.disconnect();
        }
    }

    /** A follower named the leader: talk to it from now on (if this client's token may go there). */
    private void leaderIs(String url) {
        try {
            URI u = new URI(url);
            if (u.getHost() != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && allowed(u)) {
                current = u;
            }
        } catch (java.net.URISyntaxException e) {
            // not an address: ignored
        }
    }

    /** {@code tried} could not be reached: if it is still the current one, the next in the list is. */
    private void failed(URI tried) {
        URI c = current;
        if (all.size() < 2 || !(c.getHost().equals(tried.getHost()) && c.getPort() == tried.getPort())) {
            return;
        }
        int i = -1; // a leader named by a follower, not in the list: the list starts again from its first
        for (int k = 0; k < all.size(); k++) {
            if (all.get(k).getHost().equals(c.getHost()) && all.get(k).getPort() == c.getPort()) {
                i = k;
            }
        }
        current = all.get((i + 1) % all.size());
    }
}
