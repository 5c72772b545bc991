package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies as an attacker sends them, over real sockets: with a forged or forbidden token and a body
 * that never ends (refused from the head, before any body is read, so they hold no place), and
 * with a valid token and a body that stops, or trickles a byte now and then so the connection
 * never goes idle (refused once behind the slowest rate, 1 KiB a second after a grace: 1 s here,
 * and an idle timeout of 60 s, so that only the rate can answer within the read timeout).
 */
class SlowBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ANSWER_WITHIN_MS = 15_000;
    private LiveServer s;
    private InetSocketAddress at;
    private String[] agent;
    private final List<Socket> open = new ArrayList<>();
    private final Random random = new Random(7);

    @BeforeEach
    void start() {
        s = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withClasses(64, 4, 5, 2).withIdleTimeout(Duration.ofSeconds(60))
                .withBodyRate(1024, Duration.ofSeconds(1))));
        at = new InetSocketAddress(s.server.address().getAddress(), s.server.address().getPort());
        agent = s.agent("m1", "4", "4g");
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket so : open) {
            so.close();
        }
        s.close();
    }

    private String roleToken(String name) {
        assertThat(s.put("/v1/roles/" + name, s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
        return s.post("/v1/roles/" + name + "/tokens", s.admin(), "{}").body().path("token").asText();
    }

    private String forged(String prefix) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return prefix + "_" + HexFormat.of().formatHex(b);
    }

    /** Sends a request's head and the first bytes of a body of {@code length}, and leaves the rest unsent. */
    private Socket begin(String method, String target, String token, String bodyStart, long length) throws Exception {
        Socket so = new Socket();
        open.add(so);
        so.connect(at, 5000);
        so.setSoTimeout(ANSWER_WITHIN_MS);
        OutputStream out = so.getOutputStream();
        out.write(RawHttp.head(method, target, "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n", length));
        out.write(bodyStart.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return so;
    }

    /** The answer to a request begun with {@link #begin}: read to the end, or a read timeout (which fails the test). */
    private static RawHttp.Answer answer(Socket so) throws Exception {
        return RawHttp.read(so.getInputStream());
    }

    private static String detail(RawHttp.Answer a) throws Exception {
        return JSON.readTree(a.text().substring(a.text().indexOf("\r\n\r\n") + 4)).path("detail").asText();
    }

    @Test
    void forged_tokens_with_bodies_that_never_end_are_refused_from_their_head_and_hold_no_place() throws Exception {
        List<Socket> forged = new ArrayList<>();
        for (int i = 0; i < 8; i++) { // twice the API's 4 places, each under its own token (a quarter of the places each, were they held)
            forged.add(begin("POST", "/v1/requests", forged("str"), "{\"cpus", 100));
        }
        for (Socket so : forged) {
            RawHttp.Answer a = answer(so);
            assertThat(a.status()).as("%s", a.text()).isEqualTo(401);
            assertThat(detail(a)).contains("the token is not known");
        }
        assertThat(s.get("/v1/status", s.admin()).code()).as("no place is held by a forged token").isEqualTo(200);
        LiveServer.Reply made = s.post("/v1/requests", roleToken("ci"), "{\"cpus\":\"1\"}");
        assertThat(made.code()).as("%s", made.body()).isEqualTo(201);
    }

    @Test
    void tokens_of_an_agents_shape_with_heartbeats_that_never_end_cannot_take_the_agents_places() throws Exception {
        List<Socket> forged = new ArrayList<>();
        for (int i = 0; i < 70; i++) { // more than the agents' 64 places
            forged.add(begin("PUT", "/v1/agents/" + agent[0] + "/heartbeat", forged("sta"), "{", 100));
        }
        for (Socket so : forged) {
            assertThat(answer(so).status()).isEqualTo(401);
        }
        LiveServer.Reply beat = s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{}");
        assertThat(beat.code()).as("the real agent's heartbeat: %s", beat.body()).isEqualTo(200);
    }

    @Test
    void a_token_sending_a_body_to_a_route_it_may_not_use_is_refused_before_the_body() throws Exception {
        Socket so = begin("PUT", "/v1/roles/mine", roleToken("ci"), "{\"wei", 100);
        RawHttp.Answer a = answer(so);
        assertThat(a.status()).as("%s", a.text()).isEqualTo(403);
        Socket nowhere = begin("POST", "/v1/nowhere", s.admin(), "{", 100);
        assertThat(answer(nowhere).status()).isEqualTo(404);
    }

    @Test
    void a_body_that_stops_arriving_is_refused_once_behind_the_slowest_rate_and_gives_its_place_back() throws Exception {
        String token = roleToken("ci");
        long began = System.nanoTime();
        RawHttp.Answer a = answer(begin("POST", "/v1/requests", token, "{\"cpus\":", 10_000));
        assertThat(a.status()).as("%s", a.text()).isEqualTo(408);
        assertThat(Duration.ofNanos(System.nanoTime() - began)).as("answered by the rate, not the 60 s idle timeout").isLessThan(Duration.ofSeconds(30));
        assertThat(detail(a)).contains("arrived too slowly").contains("8 of 10000 bytes").contains("below the minimum of 1024 bytes a second");
        // the place is given back once the 408 is written, a moment after the client has read it: wait for it, briefly
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> s.get("/v1/status", token).code() == 200);
        assertThat(s.get("/v1/requests", s.admin()).body()).as("nothing half-made").isEmpty();
    }

    @Test
    void a_body_that_trickles_a_byte_now_and_then_to_stay_clear_of_the_idle_timeout_is_refused_all_the_same() throws Exception {
        Socket so = begin("POST", "/v1/requests", roleToken("ci"), "{", 100_000);
        boolean refused = false;
        for (int i = 0; i < 100 && !refused; i++) { // a byte every 100 ms: the connection never idles, and 10 bytes a second is far too slow
            try {
                so.getOutputStream().write(' ');
                so.getOutputStream().flush();
            } catch (java.io.IOException e) {
                refused = true; // the server answered and closed
            }
            if (so.getInputStream().available() > 0) {
                refused = true;
            }
            Thread.sleep(100); // the attacker's pace
        }
        RawHttp.Answer a = answer(so);
        assertThat(a.status()).as("%s", a.text()).isEqualTo(408);
    }

    @Test
    void a_slow_link_that_keeps_above_the_slowest_rate_is_served() throws Exception {
        byte[] body = ("{\"cpus\":\"1\"" + " ".repeat(3_000) + "}").getBytes(StandardCharsets.UTF_8); // 3 KiB of JSON (most of it blanks)
        Socket so = begin("POST", "/v1/requests", roleToken("ci"), "", body.length);
        for (int off = 0; off < body.length; off += 256) { // 256 bytes every 100 ms: 2.5 KiB a second, over about a second and a half
            so.getOutputStream().write(body, off, Math.min(256, body.length - off));
            so.getOutputStream().flush();
            Thread.sleep(100);
        }
        RawHttp.Answer a = answer(so);
        assertThat(a.status()).as("%s", a.text()).isEqualTo(201);
    }

    @Test
    void an_upload_that_stops_is_refused_once_behind_the_slowest_rate_and_gives_its_transfer_place_back() throws Exception {
        String digest = "sha256:" + "ab".repeat(32);
        String token = roleToken("ci");
        RawHttp.Answer a = answer(begin("PUT", "/v1/packages/" + digest, token, "xxxx", 1_000_000));
        assertThat(a.status()).as("%s", a.text()).isEqualTo(408);
        assertThat(detail(a)).contains("4 of 1000000 bytes");
        // the place is given back once the 408 is written, a moment after the client has read it: wait for it, briefly
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> s.get("/v1/packages/" + digest, token).code() == 404);
        JsonNode listed = s.get("/v1/packages", s.admin()).body();
        assertThat(listed.toString()).as("no part of the upload is kept").doesNotContain(digest);
    }
}
