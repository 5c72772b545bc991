package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that try to stall the allocator, over real sockets, while a real agent heartbeats
 * every 500 ms with a grace of 3 s: the allocator must keep answering, and lose no agent.
 */
class HostileClientsTest {
    private Cluster c;
    private final List<Socket> sockets = new ArrayList<>();
    private final OkHttpClient quick = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws IOException {
        c = new Cluster(Duration.ofSeconds(3));
        c.agent("m1", Map.of());
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (c != null) {
            c.close();
        }
    }

    private Socket open() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(c.server.address().getAddress(), c.server.address().getPort()), 5000);
        sockets.add(s);
        return s;
    }

    /** Asserts, for {@code seconds}, that /v1/health answers within 1 s and the agent stays READY with a fresh heartbeat. */
    private void holdsFor(int seconds, Runnable attack) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        int checks = 0;
        while (System.nanoTime() < end) {
            attack.run();
            long t0 = System.nanoTime();
            try (Response r = quick.newCall(new Request.Builder().url(c.server.url() + "/v1/health").build()).execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("/v1/health answered in %d ms under attack", ms).isLessThan(1000);
            JsonNode a = c.call("GET", "/v1/agents", null).get(0);
            assertThat(a.path("status").asText()).as("the agent under attack: %s", a).isEqualTo("READY");
            Duration since = Duration.between(Instant.parse(a.path("lastHeartbeat").asText()), Instant.now());
            assertThat(since).as("time since the agent's last heartbeat").isLessThan(Duration.ofSeconds(2));
            checks++;
            Thread.sleep(200);
        }
        assertThat(checks).isGreaterThan(seconds);
    }

    @Test
    void fiftySlowUnauthenticatedConnectionsStallNothing() throws Exception {
        List<OutputStream> slow = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            OutputStream out = open().getOutputStream();
            out.write("GET /v1/health HTTP/1.1\r\nHost: test\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            slow.add(out);
        }
        long[] last = {System.nanoTime()};
        int[] line = {0};
        holdsFor(30, () -> { // one more header line a second on each, never finishing the request
            if (System.nanoTime() - last[0] < 1_000_000_000L) {
                return;
            }
            last[0] = System.nanoTime();
            line[0]++;
            for (OutputStream out : slow) {
                try {
                    out.write(("X-Slow-" + line[0] + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException closedByTheServer) {
                    // closing a slow connection is the server's right
                }
            }
        });
    }

    @Test
    void twentySlowPackageUploadsLeaveHeartbeatsAlone() throws Exception {
        String token = c.server.adminToken();
        List<OutputStream> uploads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            OutputStream out = open().getOutputStream();
            String digest = "sha256:" + String.format("%064x", i + 1);
            out.write(("PUT /v1/packages/" + digest + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            uploads.add(out);
        }
        long[] last = {System.nanoTime()};
        holdsFor(10, () -> { // a few bytes a second on each upload
            if (System.nanoTime() - last[0] < 1_000_000_000L) {
                return;
            }
            last[0] = System.nanoTime();
            for (OutputStream out : uploads) {
                try {
                    out.write(new byte[16]);
                    out.flush();
                } catch (IOException closedByTheServer) {
                    // too slow: the server may drop it
                }
            }
        });
    }
}
