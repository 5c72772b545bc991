package dev.steward.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.steward.api.AgentRegistration;
import dev.steward.api.Digests;
import dev.steward.api.Heartbeat;
import dev.steward.client.StewardException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The agent's own client keeps the client library's rules, against real HTTP servers on
 * loopback: no token over plain HTTP off loopback, a refused allocator passes the turn, a
 * follower's 307 leads to the leader, idempotent calls are retried through 503s with one request
 * id and a join is not, an error carries the allocator's problem, and a package download resumes
 * with a byte range and checks its digest.
 */
class AllocatorClientTest {
    private final List<HttpServer> servers = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** What a server saw: method, path (with query), Authorization and X-Request-Id of each call. */
    record Seen(String method, String path, String auth, String requestId) {
    }

    interface Answer {
        void answer(HttpExchange ex, int call) throws IOException;
    }

    private String serve(List<Seen> seen, Answer answer) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger calls = new AtomicInteger();
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders().getFirst("Authorization"),
                    ex.getRequestHeaders().getFirst("X-Request-Id")));
            answer.answer(ex, calls.incrementAndGet());
            ex.close();
        });
        s.start();
        servers.add(s);
        return "http://127.0.0.1:" + s.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    private static AllocatorClient client(String addresses) {
        return new AllocatorClient(addresses, "sta_token", null, false, Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    @Test
    void a_token_never_goes_over_plain_http_off_loopback_unless_allowed() {
        assertThatThrownBy(() -> client("http://10.1.2.3:4646")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refusing to send a token over plain HTTP to 10.1.2.3").hasMessageContaining("--allow-plain-http");
        assertThatThrownBy(() -> client("http://127.0.0.1:4646,http://10.1.2.3:4646")).hasMessageContaining("10.1.2.3");
        new AllocatorClient("http://10.1.2.3:4646", "sta_token", null, true, Duration.ofSeconds(1), Duration.ofSeconds(1));
        new AllocatorClient("http://10.1.2.3:4646", null, null, false, Duration.ofSeconds(1), Duration.ofSeconds(1));
        new AllocatorClient("https://10.1.2.3:4646", "sta_token", null, false, Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThatThrownBy(() -> client("ftp://127.0.0.1:4646")).hasMessageContaining("'ftp://127.0.0.1:4646' is not an http(s) address");
        assertThatThrownBy(() -> client(" , ")).hasMessageContaining("names no allocator");
    }

    @Test
    void a_refused_allocator_passes_the_turn_and_a_followers_307_leads_to_the_leader_with_the_token() throws Exception {
        String closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = "http://127.0.0.1:" + s.getLocalPort(); // nothing listens there once it is closed
        }
        List<Seen> atLeader = new CopyOnWriteArrayList<>();
        String leader = serve(atLeader, (ex, n) -> send(ex, 200, "{}"));
        List<Seen> atFollower = new CopyOnWriteArrayList<>();
        String follower = serve(atFollower, (ex, n) -> {
            ex.getResponseHeaders().add(AllocatorClient.LEADER_HEADER, leader);
            send(ex, 307, "");
        });
        AllocatorClient c = client(closed + "," + follower);
        c.heartbeat("a1", new Heartbeat(Map.of(), List.of()));
        c.heartbeat("a1", new Heartbeat(Map.of(), List.of()));
        assertThat(atFollower).hasSize(1);
        assertThat(atLeader).hasSize(2).allSatisfy(s -> {
            assertThat(s.method()).isEqualTo("PUT");
            assertThat(s.path()).isEqualTo("/v1/agents/a1/heartbeat");
            assertThat(s.auth()).isEqualTo("Bearer sta_token");
        });
        assertThat(atFollower.get(0).requestId()).isNotBlank().isEqualTo(atLeader.get(0).requestId());
    }

    @Test
    void a_blocking_query_to_an_allocator_gone_silent_gives_up_after_its_wait_not_the_clients_whole_read_timeout() throws Exception {
        // an allocator whose machine died: the connection was made, and no byte (not even a FIN) ever comes back
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            // as the agent's main client: reads may wait 6 minutes (above the longest blocking query), and no retry here
            AllocatorClient c = new AllocatorClient("http://127.0.0.1:" + silent.getLocalPort(), "sta_token", null, false, Duration.ofMinutes(6), Duration.ZERO);
            Duration wait = Duration.ofMillis(500);
            long t0 = System.nanoTime();
            var watch = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    c.agentTasks("a1", 5, wait, 5);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            // it used to wait out the 6 minutes, the agent learning of no task meanwhile
            IOException failed = watch.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(failed).hasCauseInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not before the wait, its spread and the slack").isGreaterThanOrEqualTo(AllocatorClient.answerWithin(wait));
            assertThat(held).hasSize(1);
            // the failure names the call and the request id it sent, which the allocator's access log would name had it answered
            String head = new String(held.get(0).getInputStream().readNBytes(held.get(0).getInputStream().available()), java.nio.charset.StandardCharsets.US_ASCII);
            java.util.regex.Matcher id = java.util.regex.Pattern.compile("X-Request-Id: (\\S+)").matcher(head);
            assertThat(id.find()).as(head).isTrue();
            assertThat(failed).hasMessage("GET /v1/agents/a1/tasks (request " + id.group(1) + ") failed: " + failed.getCause());
            for (java.net.Socket so : held) {
                so.close();
            }
        }
    }

    @Test
    void idempotent_calls_are_retried_through_503s_with_one_request_id_and_a_join_is_not() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        String url = serve(seen, (ex, n) -> send(ex, ex.getRequestMethod().equals("PUT") && n >= 3 ? 200 : 503,
                n >= 3 ? "{}" : "{\"status\":503,\"detail\":\"busy\"}"));
        AllocatorClient c = client(url);
        c.heartbeat("a1", new Heartbeat(Map.of(), List.of()));
        assertThat(seen).hasSize(3);
        assertThat(seen).extracting(Seen::requestId).containsOnly(seen.get(0).requestId());

        seen.clear();
        List<Seen> joins = new CopyOnWriteArrayList<>();
        String busy = serve(joins, (ex, n) -> send(ex, 503, "{\"status\":503,\"detail\":\"busy\"}"));
        assertThatThrownBy(() -> client(busy).register(new AgentRegistration("m1", null, null, null, null, null, null, null, null)))
                .isInstanceOfSatisfying(StewardException.class, e -> assertThat(e.status()).isEqualTo(503));
        assertThat(joins).as("a join is sent once: sent again, it could join twice").hasSize(1);
    }

    @Test
    void a_join_answered_with_a_503_that_says_nothing_was_done_is_sent_again_with_its_request_id() throws Exception {
        List<Seen> joins = new CopyOnWriteArrayList<>();
        String outage = serve(joins, (ex, n) -> {
            if (n < 3) { // an allocator waiting for room on its disk: it answers before reading, and did nothing
                ex.getResponseHeaders().add("X-Steward-Not-Applied", "true");
                send(ex, 503, "{\"status\":503,\"detail\":\"the allocator cannot write its state\"}");
            } else {
                send(ex, 201, "{\"agent\":{\"id\":\"a1\",\"name\":\"m1\"},\"token\":\"sta_new\"}");
            }
        });
        assertThat(client(outage).register(new AgentRegistration("m1", null, null, null, null, null, null, null, null)).agent().id()).isEqualTo("a1");
        assertThat(joins).hasSize(3).extracting(Seen::requestId).containsOnly(joins.get(0).requestId());
    }

    @Test
    void an_error_carries_the_allocators_problem_and_a_bad_status_line_otherwise() throws Exception {
        String url = serve(new CopyOnWriteArrayList<>(), (ex, n) -> send(ex, n == 1 ? 400 : 404,
                n == 1 ? "{\"status\":400,\"detail\":\"usage: cpu is not a number\",\"field\":\"usage\"}" : "not json"));
        AllocatorClient c = client(url);
        assertThatThrownBy(() -> c.heartbeat("a1", new Heartbeat(Map.of(), List.of())))
                .isInstanceOfSatisfying(StewardException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.problem().field()).isEqualTo("usage");
                    assertThat(e.getMessage()).isEqualTo("usage: cpu is not a number (400)");
                });
        assertThatThrownBy(() -> c.agentTasks("a1", 0, Duration.ofSeconds(1), 5))
                .isInstanceOfSatisfying(StewardException.class, e -> assertThat(e.getMessage()).startsWith("GET /v1/agents/a1/tasks -> 404"));
    }

    @Test
    void a_401_to_a_call_with_a_body_says_why_though_the_jdk_drops_that_answers_body() throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        String url = serve(seen, (ex, n) -> send(ex, 401, "{\"status\":401,\"detail\":\"the token is not known to this allocator\"}"));
        AllocatorClient c = client(url);
        assertThatThrownBy(() -> c.register(new AgentRegistration("m1", null, null, null, null, null, null, null, null)))
                .isInstanceOfSatisfying(StewardException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).isEqualTo("the token is not known to this allocator (401)");
                });
        assertThat(seen).extracting(Seen::method).as("the join sent once, and its reason read with a GET").containsExactly("POST", "GET");
    }

    @Test
    void a_join_with_a_token_the_allocator_does_not_know_says_which_token_to_give() throws Exception {
        String url = serve(new CopyOnWriteArrayList<>(), (ex, n) -> send(ex, 401, "{\"status\":401,\"detail\":\"the token is not known to this allocator\"}"));
        assertThatThrownBy(() -> Enrolment.join(null, "sta_join_wrong", dir, new AgentRegistration("m1", null, null, null, null, null, null, null, null),
                t -> new AllocatorClient(url, t, null, false, Duration.ofSeconds(30), Duration.ofSeconds(10))))
                .hasMessage("the allocator refused the join token: the token is not known to this allocator (401). Give a join token the admin "
                        + "minted for this machine ('steward tokens create --join') or the allocator's data directory's join.token (join-token-file, "
                        + "join-token in the config, or STEWARD_JOIN_TOKEN)");
    }

    @Test
    void a_download_resumes_with_a_byte_range_and_a_wrong_digest_removes_what_came() throws Exception {
        byte[] pkg = new byte[300_000];
        new java.util.Random(7).nextBytes(pkg);
        String digest = Digests.of(MessageDigest.getInstance("SHA-256").digest(pkg));
        List<Seen> seen = new CopyOnWriteArrayList<>();
        List<String> ranges = new CopyOnWriteArrayList<>();
        String url = serve(seen, (ex, n) -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            ex.sendResponseHeaders(range == null ? 200 : 206, pkg.length - from);
            ex.getResponseBody().write(pkg, from, pkg.length - from);
        });
        AllocatorClient c = client(url);
        Path target = dir.resolve("p.tar.zst");
        Files.write(dir.resolve("p.tar.zst.part"), java.util.Arrays.copyOf(pkg, 100_000)); // an earlier download cut short
        assertThat(c.download(digest, target)).isEqualTo(pkg.length);
        assertThat(ranges).containsExactly("bytes=100000-");
        assertThat(Files.readAllBytes(target)).isEqualTo(pkg);
        assertThat(dir.resolve("p.tar.zst.part")).doesNotExist();

        String other = Digests.of(MessageDigest.getInstance("SHA-256").digest(new byte[] {1}));
        Path wrong = dir.resolve("q.tar.zst");
        assertThatThrownBy(() -> c.download(other, wrong)).hasMessageContaining("the downloaded bytes have digest " + digest + ", not " + other);
        assertThat(wrong).doesNotExist();
        assertThat(dir.resolve("q.tar.zst.part")).doesNotExist();
        assertThat(seen).extracting(Seen::path).containsOnly("/v1/packages/" + java.net.URLEncoder.encode(digest, StandardCharsets.UTF_8),
                "/v1/packages/" + java.net.URLEncoder.encode(other, StandardCharsets.UTF_8));
    }
}
