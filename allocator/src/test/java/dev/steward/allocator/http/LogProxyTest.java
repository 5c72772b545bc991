package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log reads through the allocator from agents that are down or hostile, on real sockets: the
 * client is answered within its follow's wait and 10 s, and no answer is held in memory above
 * the log chunk's limit. Before, a read from an agent whose machine died held one of the API's
 * places for 6 minutes, and a client that gave up and asked again took another.
 */
class LogProxyTest {
    private final LiveServer s = new LiveServer();
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        s.close();
    }

    /** An agent's log server that answers every request with {@code answer}; its port. */
    private int agentServer(Consumer<OutputStream> answer) throws IOException {
        HostilePeer p = HostilePeer.start(answer);
        open.add(p);
        return p.port();
    }

    /** An agent whose log server is at {@code port}, one allocation on it and a task in it; returns the task's id. */
    private String taskOnAgentAt(int port) {
        LiveServer.Reply joined = s.post("/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"2\",\"memory\":\"2g\",\"ports\":\"21000-21100\","
                + "\"attributes\":{\"os\":\"linux\",\"address\":\"http://127.0.0.1:" + port + "\"}}");
        assertThat(joined.code()).isEqualTo(201);
        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\"}").body().path("allocations").get(0).asText();
        return s.task(alloc, "t");
    }

    @Test
    void a_read_of_a_task_on_an_agent_that_is_not_running_says_its_connection_was_refused() throws Exception {
        int closed;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = taken.getLocalPort(); // nothing listens there once it is closed
        }
        String task = taskOnAgentAt(closed);
        LiveServer.Reply r = s.get("/v1/tasks/" + task + "/logs", s.admin());
        assertThat(r.code()).as("%s", r.body()).isEqualTo(502);
        assertThat(r.body().path("detail").asText()).isEqualTo("the agent at http://127.0.0.1:" + closed + " did not answer: the connection was refused "
                + "(the agent is not running there, or its machine is down)");
    }

    @Test
    void a_follow_of_a_task_on_an_agent_that_never_answers_is_answered_504_within_its_wait_and_10_s() throws Exception {
        String task = taskOnAgentAt(agentServer(HostilePeer::silence));
        long t0 = System.nanoTime();
        LiveServer.Reply r = s.get("/v1/tasks/" + task + "/logs?wait=1s", s.admin()); // the test's client gives up at 60 s
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(r.code()).as("%s", r.body()).isEqualTo(504);
        assertThat(r.body().path("detail").asText()).contains("did not answer within 11s").contains("try again");
        assertThat(took).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(30));
        assertThat(s.get("/v1/status", s.admin()).code()).isEqualTo(200);
    }

    @Test
    void an_agent_that_answers_a_log_read_without_end_gets_a_502_and_the_allocator_keeps_at_most_a_chunk() throws Exception {
        String task = taskOnAgentAt(agentServer(out -> HostilePeer.endless(out, "x")));
        LiveServer.Reply r = s.get("/v1/tasks/" + task + "/logs", s.admin());
        assertThat(r.code()).isEqualTo(502);
        assertThat(r.body().path("detail").asText()).contains("sent a body above the limit of 1048576 bytes");
    }

    @Test
    void a_follow_whose_client_closes_its_connection_gives_its_place_back_at_once() throws Exception {
        // one token may hold 1 of the 5 places: a follow abandoned by its client (a `steward logs -f` stopped with Ctrl-C) and
        // started again must find its place free, not held until the agent, silent here, has kept it for the wait and 10 s
        try (LiveServer small = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withClasses(64, 4, 5, 2)))) {
            int port = agentServer(HostilePeer::silence);
            LiveServer.Reply joined = small.post("/v1/agents", small.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"2\",\"memory\":\"2g\","
                    + "\"ports\":\"21000-21100\",\"attributes\":{\"address\":\"http://127.0.0.1:" + port + "\"}}");
            assertThat(joined.code()).isEqualTo(201);
            String task = small.task(small.post("/v1/requests", small.admin(), "{\"cpus\":\"0.5\"}").body().path("allocations").get(0).asText(), "t");
            java.net.InetSocketAddress at = small.server.address();
            String index = small.get("/v1/status", small.admin()).index();
            try (java.net.Socket follow = new java.net.Socket()) {
                follow.connect(at, 5000);
                follow.getOutputStream().write(RawHttp.head("GET", "/v1/tasks/" + task + "/logs?wait=60s", "Authorization: Bearer " + small.admin() + "\r\n", -1));
                follow.getOutputStream().flush();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> small.get("/v1/status?index=" + index + "&wait=1s", small.admin()).code() == 503); // the follow holds the share
            }
            org.awaitility.Awaitility.await("the place given back when its client left, not at its wait's end (60 s)").atMost(Duration.ofSeconds(10))
                    .until(() -> small.get("/v1/status?index=" + index + "&wait=1s", small.admin()).code() == 200);
        }
    }

    @Test
    void log_follows_wait_in_the_parked_queries_places_so_many_of_them_never_fill_the_apis() throws Exception {
        try (LiveServer small = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withClasses(64, 4, 8, 2)))) {
            int port = agentServer(HostilePeer::silence);
            LiveServer.Reply joined = small.post("/v1/agents", small.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"2\",\"memory\":\"2g\","
                    + "\"ports\":\"21000-21100\",\"attributes\":{\"address\":\"http://127.0.0.1:" + port + "\"}}");
            assertThat(joined.code()).isEqualTo(201);
            java.util.List<String> tokens = new java.util.ArrayList<>();
            java.util.List<String> tasks = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) { // four tenants: each token may hold a quarter of the 8 places
                assertThat(small.put("/v1/roles/r" + i, small.admin(), "{\"weight\":1}").code()).isEqualTo(200);
                String token = small.post("/v1/roles/r" + i + "/tokens", small.admin(), "{}").body().path("token").asText();
                LiveServer.Reply req = small.post("/v1/requests", token, "{\"cpus\":\"0.5\"}");
                assertThat(req.code()).as("%s", req.body()).isEqualTo(201);
                tokens.add(token);
                tasks.add(small.task(req.body().path("allocations").get(0).asText(), "t"));
            }
            String task = tasks.get(0);
            java.util.concurrent.ExecutorService followers = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                for (int i = 0; i < 8; i++) { // more follows than the API's 4 places
                    int k = i % 4;
                    followers.submit(() -> small.get("/v1/tasks/" + tasks.get(k) + "/logs?wait=20s", tokens.get(k)));
                }
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> small.get("/v1/tasks/" + task + "/logs?wait=20s",
                        small.admin()).code() == 503);
                LiveServer.Reply ninth = small.get("/v1/tasks/" + task + "/logs?wait=20s", small.admin()); // a fifth client: the class is full
                assertThat(ninth.body().path("detail").asText()).contains("too many parked blocking queries and log follows").contains("the limit is 8");
                assertThat(small.get("/v1/status", small.admin()).code()).as("the API's places are all free").isEqualTo(200);
                assertThat(small.put("/v1/roles/ci", small.admin(), "{\"weight\":2}").code()).isEqualTo(200);
            } finally {
                followers.shutdownNow();
            }
        }
    }
}
