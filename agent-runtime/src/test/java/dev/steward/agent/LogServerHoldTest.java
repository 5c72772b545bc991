package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's log server cannot be held, over real sockets: slow unauthenticated connections
 * hold no thread and are closed after the idle timeout, waiting follows hold no thread, and a
 * wait above the limit is refused. Before, 4 fixed threads served it, a follow held one while it
 * polled, and 4 follows made another log read wait 29 s.
 */
class LogServerHoldTest {
    private Cluster c;
    private Agent agent;
    private final ExecutorService followers = Executors.newFixedThreadPool(12);
    private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(90)).build();
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        c = new Cluster();
        agent = c.agent("m1", Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        followers.shutdownNow();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        if (c != null) {
            c.close();
        }
    }

    private Response logs(String task, String query) throws Exception {
        return http.newCall(new Request.Builder().url(c.server.url() + "/v1/tasks/" + task + "/logs?" + query)
                .header("Authorization", "Bearer " + c.server.adminToken()).build()).execute();
    }

    @Test
    void slowConnectionsAndIdleFollowsLeaveAnotherReadFast() throws Exception {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"quiet\",\"command\":\"sh\",\"args\":[\"-c\",\"echo hello; while :; do sleep 1; done\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("state").asText().equals("RUNNING"));
        await().atMost(Duration.ofSeconds(20)).until(() -> c.call("GET", "/v1/tasks/" + t + "/logs", null).asText().contains("hello"));

        JsonNode agent = c.call("GET", "/v1/agents", null).get(0);
        URI logServer = URI.create(agent.path("attributes").path("address").asText());
        // 12 connections that start a request and never finish it, without any signature
        for (int i = 0; i < 12; i++) {
            Socket s = new Socket(logServer.getHost(), logServer.getPort());
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            out.write("GET /v1/tasks/x/logs HTTP/1.1\r\nHost: agent\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        // 10 follows at the end of the log, each waiting up to a minute for bytes that do not come
        List<CompletableFuture<Integer>> follows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            follows.add(CompletableFuture.supplyAsync(() -> {
                try (Response r = logs(t, "offset=6&wait=60s")) {
                    return r.code();
                } catch (Exception e) {
                    return -1;
                }
            }, followers));
        }
        Thread.sleep(500); // let the follows reach the agent and park: what is asserted next is that they do not hold it

        long t0 = System.nanoTime();
        try (Response r = logs(t, "offset=0")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).contains("hello");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("a plain read beside 12 stalled connections and 10 waiting follows took %d ms", ms).isLessThan(3000);
        assertThat(follows).allMatch(f -> !f.isDone()).as("the follows still wait");

        // the stalled connections are closed once they have sent nothing for the idle timeout (10 s)
        for (Socket s : sockets) {
            s.setSoTimeout((int) LogServer.IDLE_TIMEOUT.plusSeconds(10).toMillis());
            InputStream in = s.getInputStream();
            assertThat(in.read()).as("the server closed the stalled connection").isEqualTo(-1);
        }
    }

    @Test
    void aWaitAboveTheLimitIsRefusedNamingIt() throws Exception {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"quiet\",\"command\":\"sh\",\"args\":[\"-c\",\"while :; do sleep 1; done\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("state").asText().equals("RUNNING"));
        try (Response r = logs(t, "wait=6m")) {
            assertThat(r.code()).isEqualTo(400);
            assertThat(r.body().string()).contains("wait").contains("5m");
        }
    }

    @Test
    void a_follow_through_the_allocator_whose_client_leaves_ends_on_the_agent_too() throws Exception {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"quiet\",\"command\":\"sh\",\"args\":[\"-c\",\"echo hello; while :; do sleep 1; done\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("state").asText().equals("RUNNING"));
        await().atMost(Duration.ofSeconds(20)).until(() -> c.call("GET", "/v1/tasks/" + t + "/logs", null).asText().contains("hello"));
        LogServer logs = agent.logServer();
        // a `steward logs -f` of the task, through the allocator, stopped with Ctrl-C while it waited for bytes
        java.net.URI api = URI.create(c.server.url());
        Socket client = new Socket(api.getHost(), api.getPort());
        sockets.add(client);
        client.getOutputStream().write(("GET /v1/tasks/" + t + "/logs?offset=6&wait=60s HTTP/1.1\r\nHost: steward\r\nAuthorization: Bearer "
                + c.server.adminToken() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> logs.following() == 1);
        client.close();
        await("the agent's follow, ended when the allocator's read to it was cancelled, long before its minute").atMost(Duration.ofSeconds(10))
                .until(() -> logs.following() == 0);
    }
}
