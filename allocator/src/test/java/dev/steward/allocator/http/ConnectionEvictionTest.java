package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connection limit against many hosts, over real sockets: connections from several loopback
 * addresses that send the start of a request head and nothing more (each under its address's own
 * limit, so only the server's limit, 8 here, stands in their way) fill every connection. An
 * agent that connects again, and a client, are still served at once: the connection idle longest
 * gives way. The agent's connection that was already open is never taken, nor a client's request
 * being served; when all are such, a new connection is closed at once, not left to wait.
 *
 * <p>Before, the server stopped accepting at the limit (Jetty's {@code ConnectionLimit}), and a
 * new connection waited in the backlog until one of the trickling ones idled out (30 s here, and
 * never for one that sends a byte in time).
 */
class ConnectionEvictionTest {
    private static final int MAX = 8;
    private static final int ANSWER_WITHIN_MS = 10_000;
    private LiveServer s;
    private InetSocketAddress at;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() {
        s = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withConnections(MAX)));
        at = new InetSocketAddress(s.server.address().getAddress(), s.server.address().getPort());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        s.close();
    }

    /** A kept-alive connection from {@code from} that sends whole requests and reads whole answers. */
    private final class Kept implements AutoCloseable {
        final Socket so = new Socket();
        private InputStream in;
        String body;
        String index;

        Kept(String from) throws IOException {
            open.add(this);
            so.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            so.connect(at, 5000);
            so.setSoTimeout(ANSWER_WITHIN_MS);
            in = new BufferedInputStream(so.getInputStream());
        }

        /** The answer's status, or -1 when the connection was closed without one. A read that times out fails the test. */
        int call(String method, String path, String token, String json) throws IOException {
            byte[] b = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: test\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + (json == null ? "" : "Content-Type: application/json\r\n") + "Content-Length: " + b.length + "\r\n\r\n";
            try {
                so.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                so.getOutputStream().write(b);
                so.getOutputStream().flush();
                return read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError(method + " " + path + " was not answered within " + ANSWER_WITHIN_MS + " ms", e);
            } catch (SocketException e) {
                return -1; // reset: closed without an answer
            }
        }

        private int read() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            List<String> lines = new ArrayList<>();
            for (int c; ; ) {
                c = in.read();
                if (c < 0) {
                    return -1;
                }
                if (c == '\n') {
                    String l = line.toString(StandardCharsets.ISO_8859_1).trim();
                    line.reset();
                    if (l.isEmpty()) {
                        break;
                    }
                    lines.add(l);
                } else {
                    line.write(c);
                }
            }
            int length = 0;
            index = null;
            for (String l : lines) {
                String lower = l.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(l.substring(15).trim());
                } else if (lower.startsWith("x-steward-index:")) {
                    index = l.substring(16).trim();
                }
            }
            body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return Integer.parseInt(lines.get(0).substring(9, 12));
        }

        @Override
        public void close() throws IOException {
            so.close();
        }
    }

    /** A connection from {@code from} that has sent the start of a request head and nothing more. */
    private Socket trickling(String from) throws IOException {
        Socket so = new Socket();
        open.add(so);
        so.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        so.connect(at, 5000);
        so.getOutputStream().write("GET /v1/sta".getBytes(StandardCharsets.US_ASCII));
        so.getOutputStream().flush();
        return so;
    }

    /** Whether the server closed {@code so} (end of stream or reset), looking for a moment. */
    private static boolean closedByServer(Socket so) {
        try {
            so.setSoTimeout(100);
            return so.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private String[] join(Kept k) throws IOException {
        assertThat(k.call("POST", "/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"4g\",\"ports\":\"21000-21100\"}"))
                .as("the agent joins: %s", k.body).isEqualTo(201);
        JsonNode j = Json.MAPPER.readTree(k.body);
        return new String[] {j.path("agent").path("id").asText(), j.path("token").asText()};
    }

    @Test
    void connections_that_never_finish_a_request_head_cannot_keep_an_agent_or_a_client_out() throws Exception {
        Kept agentsFirst = new Kept("127.0.0.1");
        String[] agent = join(agentsFirst);
        String beat = "/v1/agents/" + agent[0] + "/heartbeat";
        assertThat(agentsFirst.call("PUT", beat, agent[1], "{}")).isEqualTo(200);
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < MAX - 1; i++) {
            slow.add(trickling("127.0.0." + (2 + i % 3))); // from several hosts, each well under its own limit
            int counted = i + 2;
            // Jetty opens accepted connections on pool threads, so their order is the order counted: one at a time
            await().atMost(Duration.ofSeconds(10)).until(() -> s.server.connectionsOpen() == counted);
        }
        // every connection is taken: the agent's, and seven that never finish their request heads
        Kept agentsSecond = new Kept("127.0.0.1"); // the agent connects again, as after a restart
        assertThat(agentsSecond.call("PUT", beat, agent[1], "{}")).as("the agent's heartbeat on a new connection").isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> closedByServer(slow.get(0)));
        assertThat(agentsFirst.call("PUT", beat, agent[1], "{}")).as("the agent's connection that was open is still served").isEqualTo(200);
        Kept client = new Kept("127.0.0.5");
        assertThat(client.call("GET", "/v1/status", s.admin(), null)).as("a client's request on a new connection").isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> closedByServer(slow.get(1)));
        for (Socket so : slow.subList(2, slow.size())) {
            assertThat(closedByServer(so)).as("only the connections idle longest gave way").isFalse();
        }
        assertThat(client.call("GET", "/metrics", s.admin(), null)).isEqualTo(200);
        assertThat(client.body).as("the operator sees it").contains("steward_http_connections_evicted_total 2.0")
                .contains("steward_http_connections_open 8.0");
    }

    @Test
    void when_every_connection_is_an_agents_or_being_served_a_new_one_is_closed_at_once_and_the_others_go_on() throws Exception {
        Kept first = new Kept("127.0.0.1");
        String[] agent = join(first);
        String beat = "/v1/agents/" + agent[0] + "/heartbeat";
        List<Kept> agents = new ArrayList<>(List.of(first));
        for (int i = 1; i < MAX / 2; i++) {
            Kept k = new Kept("127.0.0.1");
            assertThat(k.call("PUT", beat, agent[1], "{}")).isEqualTo(200);
            agents.add(k);
        }
        assertThat(first.call("GET", "/v1/status", s.admin(), null)).isEqualTo(200);
        String index = first.index;
        List<Socket> parked = new ArrayList<>();
        for (int i = 0; i < MAX / 2; i++) { // clients' blocking queries, parked for a minute
            Socket so = new Socket();
            open.add(so);
            so.connect(at, 5000);
            so.getOutputStream().write(("GET /v1/agents?index=" + index + "&wait=60s HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + s.admin()
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            so.getOutputStream().flush();
            parked.add(so);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> s.server.engine().parkedQueries() == MAX / 2);
        Kept late = new Kept("127.0.0.2");
        long t0 = System.nanoTime();
        assertThat(late.call("GET", "/v1/status", s.admin(), null)).as("a new connection when none may give way").isEqualTo(-1);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("closed at once, not left to wait (ms)").isLessThan(ANSWER_WITHIN_MS);
        for (Kept k : agents) {
            assertThat(k.call("PUT", beat, agent[1], "{}")).as("each of the agent's connections is still served").isEqualTo(200);
        }
        for (Socket so : parked) {
            assertThat(closedByServer(so)).as("the parked queries are still open").isFalse();
        }
    }
}
