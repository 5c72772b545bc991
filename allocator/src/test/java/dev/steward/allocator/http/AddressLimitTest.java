package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One host's connections are bounded, over real sockets from two loopback addresses: a host that
 * opens connections and trickles their request heads (each byte in time to keep it from idling)
 * gets no more than its 8 here; the next is closed as it is accepted, while another address,
 * and the same one once its connections close, are served. A trusted proxy, which carries many
 * clients, is not held to it.
 */
class AddressLimitTest {
    private static final int PER_ADDRESS = 8;
    private LiveServer s;
    private InetSocketAddress at;
    private final List<Socket> open = new ArrayList<>();

    @BeforeEach
    void start() {
        s = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withConnectionsPerAddress(PER_ADDRESS)));
        at = new InetSocketAddress(s.server.address().getAddress(), s.server.address().getPort());
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket so : open) {
            so.close();
        }
        s.close();
    }

    /** A connection from {@code from} that has sent the first bytes of a request head and nothing more. */
    private Socket trickling(String from) throws IOException {
        return trickling(at, from);
    }

    private Socket trickling(InetSocketAddress at, String from) throws IOException {
        Socket so = new Socket();
        open.add(so);
        so.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        so.connect(at, 5000);
        so.setSoTimeout(10_000);
        so.getOutputStream().write("GET /v1/sta".getBytes(StandardCharsets.US_ASCII));
        so.getOutputStream().flush();
        return so;
    }

    /** GET /v1/status as the admin, from {@code from}: the status, or -1 if the connection was closed without an answer. */
    private int status(String from) throws IOException {
        return status(s, at, from);
    }

    private static int status(LiveServer s, InetSocketAddress at, String from) throws IOException {
        try (Socket so = new Socket()) {
            so.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            so.connect(at, 5000);
            so.setSoTimeout(10_000);
            try {
                so.getOutputStream().write(RawHttp.head("GET", "/v1/status", "Authorization: Bearer " + s.admin() + "\r\n", -1));
                so.getOutputStream().flush();
            } catch (IOException e) {
                return -1; // closed before the request could be sent
            }
            RawHttp.Answer a = RawHttp.read(so.getInputStream());
            return a.status() == 0 ? -1 : a.status();
        }
    }

    @Test
    void a_host_that_holds_its_share_of_connections_gets_no_more_while_other_hosts_are_served() throws Exception {
        for (int i = 0; i < PER_ADDRESS; i++) {
            trickling("127.0.0.1");
        }
        // the accept listener counts a connection once Jetty has accepted it: wait for all eight to be counted
        await().atMost(Duration.ofSeconds(10)).until(() -> status("127.0.0.1") == -1);
        assertThat(status("127.0.0.1")).as("a ninth connection from the same host is closed without an answer").isEqualTo(-1);
        assertThat(status("127.0.0.2")).as("another host is served").isEqualTo(200);
        for (Socket so : open) {
            assertThat(so.isClosed()).isFalse();
        }
        for (Socket so : open) {
            so.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> status("127.0.0.1") == 200);
        String metrics = s.http.newCall(new okhttp3.Request.Builder().url(s.server.url() + "/metrics").header("Authorization", "Bearer " + s.admin())
                .build()).execute().body().string();
        assertThat(metrics).as("the refusals are counted for the operator").containsPattern("steward_http_connections_refused_total [1-9]");
    }

    @Test
    void a_trusted_proxy_is_not_held_to_the_limit_while_a_host_that_is_not_still_is() throws Exception {
        try (LiveServer proxied = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withConnectionsPerAddress(PER_ADDRESS)
                .withTrustedProxies(TrustedProxies.parse("127.0.0.3"))))) {
            InetSocketAddress to = new InetSocketAddress(proxied.server.address().getAddress(), proxied.server.address().getPort());
            for (int i = 0; i < PER_ADDRESS * 2; i++) {
                trickling(to, "127.0.0.3"); // every client behind the proxy has its address
            }
            for (int i = 0; i < PER_ADDRESS; i++) {
                trickling(to, "127.0.0.1");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> status(proxied, to, "127.0.0.1") == -1);
            assertThat(status(proxied, to, "127.0.0.3")).as("the proxy's next connection, past twice the limit, is served").isEqualTo(200);
            assertThat(status(proxied, to, "127.0.0.1")).as("a host that is not a trusted proxy is still limited").isEqualTo(-1);
        }
    }

    @Test
    void with_no_limit_one_host_may_open_more() throws Exception {
        try (LiveServer unlimited = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withConnectionsPerAddress(0)))) {
            InetSocketAddress to = new InetSocketAddress(unlimited.server.address().getAddress(), unlimited.server.address().getPort());
            for (int i = 0; i < PER_ADDRESS * 2; i++) {
                Socket so = new Socket();
                open.add(so);
                so.connect(to, 5000);
                so.getOutputStream().write("GET /v1/sta".getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(unlimited.get("/v1/status", unlimited.admin()).code()).isEqualTo(200);
        }
    }
}
