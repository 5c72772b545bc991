package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each class of traffic has its own bound, over real sockets: clients that fill theirs are
 * refused with a 503 naming it, while agents' heartbeats and queries, and the other classes, go
 * on. Small bounds here (4 API requests, 5 parked queries) so that a test can reach them.
 */
class TrafficClassesTest {
    private LiveServer s;
    private InetSocketAddress at;
    private String[] agent;
    private final List<Held> held = new ArrayList<>();

    @BeforeEach
    void start() {
        s = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withClasses(64, 4, 5, 2)));
        at = new InetSocketAddress(s.server.address().getAddress(), s.server.address().getPort());
        agent = s.agent("m1", "4", "4g");
    }

    @AfterEach
    void stop() throws Exception {
        for (Held h : held) {
            h.socket().close();
        }
        s.close();
    }

    /** A request held open: what it sent, so that it can be sent again if it was refused. */
    private record Held(Socket socket, String method, String target, String token, String bodyStart, int length) {
    }

    /** Opens a request and leaves it unfinished or parked: its head, and of its body only the first bytes. */
    private Held hold(String method, String target, String token, String bodyStart, int length) throws Exception {
        Socket so = new Socket();
        so.connect(at, 5000);
        so.setSoTimeout(30_000);
        Held h = new Held(so, method, target, token, bodyStart, length);
        held.add(h);
        so.getOutputStream().write(RawHttp.head(method, target, "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n", length));
        if (bodyStart != null) {
            so.getOutputStream().write(bodyStart.getBytes(StandardCharsets.UTF_8));
        }
        so.getOutputStream().flush();
        return h;
    }

    /**
     * Waits until {@code full} holds, sending again each held request that was answered instead
     * of held (a 503 with Retry-After, as a real client sends again). A small answer gives its
     * place back before it is written, so the test's own previous call never holds one; a large
     * answer keeps it until it is out, and then a request sent as its client reads it can find
     * the class full.
     */
    private void awaitHeld(java.util.concurrent.Callable<Boolean> full) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (Held h : List.copyOf(held)) {
                if (h.socket().getInputStream().available() > 0) {
                    h.socket().close();
                    held.remove(h);
                    hold(h.method(), h.target(), h.token(), h.bodyStart(), h.length());
                }
            }
            return full.call();
        });
    }

    /** A token of role {@code name}, made with the admin token. */
    private String roleToken(String name) {
        assertThat(s.put("/v1/roles/" + name, s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
        LiveServer.Reply r = s.post("/v1/roles/" + name + "/tokens", s.admin(), "{}");
        assertThat(r.code()).as("%s", r.body()).isEqualTo(201);
        return r.body().path("token").asText();
    }

    private void agentTrafficFlows() {
        LiveServer.Reply beat = s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{}");
        assertThat(beat.code()).as("the agent's heartbeat: %s", beat.body()).isEqualTo(200);
        LiveServer.Reply query = s.get("/v1/agents/" + agent[0] + "/tasks?index=1&wait=1s", agent[1]);
        assertThat(query.code()).as("the agent's blocking query for its work").isEqualTo(200);
    }

    @Test
    void clients_parked_queries_at_their_bound_are_refused_while_agents_and_other_clients_go_on() throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // five clients (each token may hold a quarter of the class: 1 of 5)
            tokens.add(roleToken("w" + i));
        }
        String index = s.get("/v1/status", s.admin()).index(); // after the roles are made: nothing changes while the queries wait
        for (String t : tokens) {
            hold("GET", "/v1/status?index=" + index + "&wait=60s", t, null, -1);
        }
        awaitHeld(() -> s.get("/v1/agents?index=" + index + "&wait=60s", s.admin()).code() == 503);
        LiveServer.Reply refused = s.get("/v1/roles?index=" + index + "&wait=60s", s.admin());
        assertThat(refused.code()).isEqualTo(503);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(refused.body().path("detail").asText()).contains("too many parked blocking queries").contains("the limit is 5");
        agentTrafficFlows();
        assertThat(s.get("/v1/status", s.admin()).code()).as("an ordinary API read").isEqualTo(200);
        assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":2}").code()).as("a command").isEqualTo(200);
    }

    @Test
    void clients_that_hold_their_requests_open_fill_only_their_own_class_and_free_it_when_they_go() throws Exception {
        for (int i = 0; i < 4; i++) { // four clients (each token may hold a quarter of the class)
            String token = roleToken("t" + i);
            hold("POST", "/v1/requests", token, "{\"cpu", 100); // a body that never finishes
        }
        awaitHeld(() -> s.get("/v1/status", s.admin()).code() == 503);
        LiveServer.Reply refused = s.put("/v1/roles/ci", s.admin(), "{\"weight\":2}");
        assertThat(refused.code()).isEqualTo(503);
        assertThat(refused.body().path("detail").asText()).contains("too many API requests").contains("the limit is 4");
        agentTrafficFlows();
        assertThat(s.get("/v1/health", null).code()).as("the health check is answered").isEqualTo(200);
        for (Held h : held) {
            h.socket().close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> s.put("/v1/roles/ci", s.admin(), "{\"weight\":2}").code() == 200);
        assertThat(s.get("/v1/requests", s.admin()).body()).as("nothing half-made by the bodies that never came").isEmpty();
    }

    @Test
    void one_token_holding_requests_open_takes_at_most_its_share_and_other_clients_go_on() throws Exception {
        String other = roleToken("ci");
        hold("PUT", "/v1/roles/slow", s.admin(), "{\"wei", 100); // a quarter of 4 places: 1
        awaitHeld(() -> s.get("/v1/status", s.admin()).code() == 503);
        LiveServer.Reply refused = s.get("/v1/status", s.admin());
        assertThat(refused.body().path("detail").asText()).contains("too many API requests at once from one token").contains("the limit is 1 of the 4");
        assertThat(s.get("/v1/status", other).code()).as("another client's call").isEqualTo(200);
        assertThat(s.get("/v1/requests", other).code()).isEqualTo(200);
        agentTrafficFlows();
        for (Held h : held) {
            h.socket().close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> s.get("/v1/status", s.admin()).code() == 200);
    }

    @Test
    void one_token_parking_queries_takes_at_most_its_share_of_them_and_other_clients_watches_go_on() throws Exception {
        String greedy = roleToken("greedy");
        String other = roleToken("ci");
        String index = s.get("/v1/status", s.admin()).index();
        hold("GET", "/v1/status?index=" + index + "&wait=60s", greedy, null, -1); // a quarter of 5 places: 1
        awaitHeld(() -> s.get("/v1/status?index=" + index + "&wait=60s", greedy).code() == 503);
        LiveServer.Reply refused = s.get("/v1/requests?index=" + index + "&wait=60s", greedy);
        assertThat(refused.code()).isEqualTo(503);
        assertThat(refused.body().path("detail").asText()).contains("too many parked blocking queries and log follows at once from one token")
                .contains("the limit is 1 of the 5");
        LiveServer.Reply watch = s.get("/v1/status?index=" + index + "&wait=1s", other);
        assertThat(watch.code()).as("another client's blocking query is parked and answered: %s", watch.body()).isEqualTo(200);
        assertThat(s.get("/v1/status", greedy).code()).as("the greedy token's ordinary calls are another class").isEqualTo(200);
        agentTrafficFlows();
        assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":2}").code()).as("a change: the parked query is answered, its place given back").isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> s.get("/v1/status?index=" + index + "&wait=1s", greedy).code() == 200);
    }

    @Test
    void a_parked_query_whose_client_has_gone_gives_its_place_back_at_once() throws Exception {
        // a pipeline aborted while it watched (its connection closed) and run again: its new watch must not find
        // the place still held by the old one for the rest of its wait (here a minute)
        String ci = roleToken("ci");
        String index = s.get("/v1/status", s.admin()).index();
        Held gone = hold("GET", "/v1/status?index=" + index + "&wait=60s", ci, null, -1); // a quarter of 5 places: 1
        awaitHeld(() -> s.get("/v1/status?index=" + index + "&wait=60s", ci).code() == 503);
        gone.socket().close();
        held.remove(gone);
        await().atMost(Duration.ofSeconds(10)).until(() -> s.server.engine().parkedQueries() == 0);
        LiveServer.Reply again = s.get("/v1/status?index=" + index + "&wait=1s", ci);
        assertThat(again.code()).as("the same token's next watch, its first gone: %s", again.body()).isEqualTo(200);
    }

    @Test
    void one_token_holding_uploads_open_takes_at_most_its_share_of_the_transfers() throws Exception {
        String digest = "sha256:" + "ab".repeat(32);
        String greedy = roleToken("greedy");
        hold("PUT", "/v1/packages/" + digest, greedy, "xxxx", 1_000_000); // a quarter of 2 places: 1
        awaitHeld(() -> s.get("/v1/packages/" + digest, greedy).code() == 503);
        LiveServer.Reply refused = s.get("/v1/packages/" + digest, greedy);
        assertThat(refused.body().path("detail").asText()).contains("too many package transfers at once from one token").contains("the limit is 1 of the 2");
        LiveServer.Reply other = s.get("/v1/packages/" + digest, roleToken("ci"));
        assertThat(other.code()).as("another client's transfer gets a place (and no such package): %s", other.body()).isEqualTo(404);
    }

    @Test
    void clients_uploads_held_open_at_their_bound_never_keep_an_agent_from_its_package() throws Exception {
        String digest = "sha256:" + "ab".repeat(32);
        for (int i = 0; i < 2; i++) { // tenants' uploads that send a few bytes and then nothing (or 1 KiB a second, for ever)
            hold("PUT", "/v1/packages/" + digest, roleToken("u" + i), "xxxx", 1_000_000);
        }
        awaitHeld(() -> s.get("/v1/packages/" + digest, s.admin()).code() == 503);
        LiveServer.Reply refused = s.get("/v1/packages/" + digest, s.admin());
        assertThat(refused.body().path("detail").asText()).contains("too many package transfers").contains("the limit is 2");
        LiveServer.Reply agentDownload = s.get("/v1/packages/" + digest, agent[1]);
        assertThat(agentDownload.code()).as("the agent's download has places of its own: %s", agentDownload.body()).isEqualTo(404);
        LiveServer.Reply forged = s.get("/v1/packages/" + digest, "sta_" + "0".repeat(64));
        assertThat(forged.code()).as("a token shaped like an agent's gets an agent's place, and its refusal at once").isEqualTo(401);
        agentTrafficFlows();
    }

    @Test
    void a_client_at_its_share_finds_its_place_free_as_soon_as_it_has_read_its_answer() throws Exception {
        // the admin's share of the 4 API places is 1: each call, on a connection of its own, must find the previous one's place given back
        int refused = 0;
        for (int i = 0; i < 500; i++) {
            if (s.get("/v1/status", s.admin()).code() == 503) { // a kept-alive connection: read as soon as its bytes are in
                refused++;
            }
            RawHttp.Answer next = RawHttp.send(at, RawHttp.head("GET", "/v1/status", "Authorization: Bearer " + s.admin() + "\r\n", -1), null, false, 10_000);
            if (next.status() == 503) { // sent on a new connection right after
                refused++;
            }
        }
        assertThat(refused).as("calls refused for the share their own previous call still held").isZero();
    }

    @Test
    void a_command_run_in_a_task_keeps_an_api_requests_place_and_has_its_connection_watched() {
        assertThat(TrafficClass.of("POST", "/v1/tasks/t-1/exec", java.util.Map.of(), false, false)).as("its answer is up to 4 MiB: the API's smaller bound")
                .isEqualTo(TrafficClass.CLIENT);
        assertThat(TrafficClass.runsInTask("POST", "/v1/tasks/t-1/exec")).isTrue();
        assertThat(TrafficClass.runsInTask("GET", "/v1/tasks/t-1/exec")).isFalse();
        assertThat(TrafficClass.runsInTask("POST", "/v1/tasks/t-1/stop")).isFalse();
        assertThat(TrafficClass.runsInTask("POST", "/v1/tasks/t-1/exec/x")).isFalse();
        assertThat(TrafficClass.runsInTask("POST", "/v2/tasks/t-1/exec")).isFalse();
    }

    @Test
    void only_tokens_of_an_agents_shape_are_classed_as_an_agents() {
        assertThat(TrafficClass.agentShaped("Bearer " + agent[1])).isTrue();
        assertThat(TrafficClass.agentShaped("Bearer " + s.admin())).as("sta_admin_...").isFalse();
        assertThat(TrafficClass.agentShaped("Bearer " + s.server.joinToken())).as("sta_join_...").isFalse();
        assertThat(TrafficClass.agentShaped("Bearer " + agent[1] + "0")).isFalse();
        assertThat(TrafficClass.agentShaped(null)).isFalse();
    }
}
