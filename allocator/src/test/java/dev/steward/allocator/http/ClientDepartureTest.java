package dev.steward.allocator.http;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.tls.CertificateAuthority;
import dev.steward.tls.TlsFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client's parked query, over real sockets, plain and TLS: when its client closes the
 * connection the query leaves the parked ones and gives its places back at once, logged as 499;
 * when it is answered, the same kept-alive connection serves the next request as before; and a
 * client that sends its next request while the query waits (pipelining) gets its answer, then a
 * closed connection, since the byte read to watch it cannot be given back to the parser.
 */
class ClientDepartureTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private Server server;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private TlsFiles tls;

    private void start(boolean withTls) throws Exception {
        start(withTls, HttpLimits.DEFAULTS);
    }

    private void start(boolean withTls, HttpLimits limits) throws Exception {
        ServerConfig c = ServerConfig.of(dir.resolve("data")).withHttp(limits);
        if (withTls) {
            CertificateAuthority ca = CertificateAuthority.create("test", Duration.ofDays(1), Clock.systemUTC());
            ca.ca().write(dir, "ca");
            ca.issue(CertificateAuthority.Kind.SERVER, List.of("localhost", "127.0.0.1"), Instant.now(), Duration.ofDays(1)).write(dir, "server");
            c = c.withTls(new ServerTls(new TlsFiles(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem")), false));
            tls = TlsFiles.trusting(dir.resolve("ca.pem"));
        }
        server = Server.start(c);
    }

    private Socket connect() throws Exception {
        InetSocketAddress at = new InetSocketAddress(server.address().getAddress(), server.address().getPort());
        Socket so;
        if (tls != null) {
            so = tls.context().getSocketFactory().createSocket();
            so.connect(at, 5000);
            ((SSLSocket) so).startHandshake();
        } else {
            so = new Socket();
            so.connect(at, 5000);
        }
        so.setSoTimeout(30_000);
        open.add(so);
        return so;
    }

    private static byte[] get(String target, String token) {
        return ("GET " + target + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Reads one answer (its head and its Content-Length of body) from a kept-alive connection. */
    private static String answer(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("the connection ended inside an answer's head: %s", head).isNotNegative();
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private String index() throws Exception {
        Socket so = connect();
        so.getOutputStream().write(get("/v1/status", server.adminToken()));
        String a = answer(so.getInputStream());
        so.close();
        for (String line : a.split("\r\n")) {
            if (line.regionMatches(true, 0, "x-steward-index:", 0, 16)) {
                return line.substring(16).trim();
            }
        }
        throw new AssertionError("no index in " + a);
    }

    private void change(int weight) throws Exception {
        Socket so = connect();
        byte[] body = ("{\"weight\":" + weight + "}").getBytes(StandardCharsets.UTF_8);
        so.getOutputStream().write(("PUT /v1/roles/ci HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + server.adminToken()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        so.getOutputStream().write(body);
        assertThat(answer(so.getInputStream())).startsWith("HTTP/1.1 200");
        so.close();
    }

    private double gone499() throws Exception {
        Socket so = connect();
        so.getOutputStream().write(get("/metrics", server.adminToken()));
        String text = answer(so.getInputStream());
        so.close();
        return text.lines().filter(l -> l.startsWith("steward_http_requests_total{") && l.contains("status=\"499\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private void a_client_that_closes_its_connection_while_its_query_waits_leaves_nothing_parked(boolean withTls) throws Exception {
        start(withTls);
        String index = index();
        List<Socket> watchers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket so = connect();
            so.getOutputStream().write(get("/v1/status?index=" + index + "&wait=5m", server.adminToken()));
            watchers.add(so);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.engine().parkedQueries() == 3);
        watchers.get(0).close();
        watchers.get(1).shutdownOutput(); // a client that ends its side: the end of the stream, as nginx takes it
        await().atMost(Duration.ofSeconds(10)).until(() -> server.engine().parkedQueries() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> gone499() == 2.0);
        change(2);
        String woken = answer(watchers.get(2).getInputStream());
        assertThat(woken).as("the client still there is answered at the change, as before").startsWith("HTTP/1.1 200");
        assertThat(server.engine().parkedQueries()).isZero();
    }

    @Test
    void over_plain_http_a_client_that_closes_its_connection_while_its_query_waits_leaves_nothing_parked() throws Exception {
        a_client_that_closes_its_connection_while_its_query_waits_leaves_nothing_parked(false);
    }

    @Test
    void over_tls_a_client_that_closes_its_connection_while_its_query_waits_leaves_nothing_parked() throws Exception {
        a_client_that_closes_its_connection_while_its_query_waits_leaves_nothing_parked(true);
    }

    private void a_kept_alive_connection_serves_the_next_request_after_a_parked_query(boolean withTls) throws Exception {
        start(withTls);
        Socket so = connect();
        OutputStream out = so.getOutputStream();
        InputStream in = so.getInputStream();
        for (int round = 0; round < 3; round++) {
            String index = index();
            out.write(get("/v1/status?index=" + index + "&wait=5m", server.adminToken())); // answered by a change
            await().atMost(Duration.ofSeconds(10)).until(() -> server.engine().parkedQueries() == 1);
            change(3 + round);
            assertThat(answer(in)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
            out.write(get("/v1/status?index=" + index() + "&wait=200ms", server.adminToken())); // answered at its time
            assertThat(answer(in)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
            out.write(get("/v1/roles", server.adminToken())); // and an ordinary call on the same connection after them
            assertThat(answer(in)).startsWith("HTTP/1.1 200");
        }
        assertThat(server.engine().parkedQueries()).isZero();
        assertThat(gone499()).isZero();
    }

    @Test
    void over_plain_http_a_kept_alive_connection_serves_the_next_request_after_a_parked_query() throws Exception {
        a_kept_alive_connection_serves_the_next_request_after_a_parked_query(false);
    }

    @Test
    void over_tls_a_kept_alive_connection_serves_the_next_request_after_a_parked_query() throws Exception {
        a_kept_alive_connection_serves_the_next_request_after_a_parked_query(true);
    }

    @Test
    void a_query_that_waits_longer_than_the_idle_timeout_is_answered_at_its_time_not_taken_for_a_departure() throws Exception {
        // 1.5 s, not less: Jetty closes unanswered a connection whose request it has not read within the idle
        // timeout, and a busy 2-core machine has taken 2 s to read one (MalformedRequestsTest's barrage)
        start(false, HttpLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(1500)));
        Socket so = connect();
        so.getOutputStream().write(get("/v1/status?index=" + index() + "&wait=5s", server.adminToken()));
        assertThat(answer(so.getInputStream())).startsWith("HTTP/1.1 200");
        assertThat(gone499()).isZero();
    }

    @Test
    void a_request_pipelined_behind_a_parked_query_gets_the_query_answered_then_the_connection_closed() throws Exception {
        start(false);
        String index = index();
        Socket so = connect();
        so.getOutputStream().write(get("/v1/status?index=" + index + "&wait=5m", server.adminToken()));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.engine().parkedQueries() == 1);
        so.getOutputStream().write(get("/v1/roles", server.adminToken())); // the next request, sent before the answer
        change(4);
        String first = answer(so.getInputStream());
        assertThat(first).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        assertThat(so.getInputStream().read()).as("nothing after it: the pipelined request is the client's to send again").isEqualTo(-1);
        assertThat(gone499()).as("the client did not leave").isZero();
        assertThat(index()).as("the server serves on").isNotEmpty();
    }
}
