package dev.steward.agent;

import dev.steward.api.AgentSignature;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's log server against connections that never finish a request head, from several
 * loopback addresses, over real sockets: with 4 connections at most, three such beside the
 * allocator's do not keep the allocator's next connection out (the one idle longest is closed),
 * the allocator's first connection is never closed for it, and an unsigned caller's is not kept.
 * Before, the server stopped accepting at its limit, and the allocator's new connection waited
 * until a trickling one idled out (10 s), so a monitor reading logs through it stalled.
 */
class LogServerConnectionsTest {
    private static final String TOKEN_HASH = AgentSignature.tokenHash("sta_" + "ab".repeat(32));
    @TempDir
    Path dir;
    private LogServer server;
    private final List<Socket> open = new ArrayList<>();
    private final List<OkHttpClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        Path task = Files.createDirectories(dir.resolve("t1"));
        Files.writeString(task.resolve("stdout.log"), "hello\n");
        server = new LogServer(new InetSocketAddress("127.0.0.1", 0), dir, () -> TOKEN_HASH, null, false, 4);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : open) {
            s.close();
        }
        for (OkHttpClient c : clients) {
            c.connectionPool().evictAll();
        }
        server.close();
    }

    /** A client of its own connection, as the allocator's reader on one connection: each call is answered within 5 s or fails. */
    private OkHttpClient connection() {
        OkHttpClient c = new OkHttpClient.Builder().connectionPool(new ConnectionPool(1, 1, TimeUnit.MINUTES))
                .callTimeout(Duration.ofSeconds(5)).retryOnConnectionFailure(false).build();
        clients.add(c);
        return c;
    }

    private int read(OkHttpClient c, boolean signed) throws IOException {
        String path = "/v1/tasks/t1/logs?offset=0";
        Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + server.address().getPort() + path);
        if (signed) {
            b.header(AgentSignature.HEADER, AgentSignature.sign(TOKEN_HASH, System.currentTimeMillis(), path));
        }
        try (Response r = c.newCall(b.build()).execute()) {
            return r.code();
        }
    }

    private Socket trickling(String from) throws IOException {
        Socket s = new Socket();
        open.add(s);
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(server.address(), 5000);
        s.getOutputStream().write("GET /v1/tasks/t1/lo".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    private static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(100);
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void connections_that_never_finish_a_request_head_cannot_keep_the_allocator_out() throws Exception {
        OkHttpClient first = connection();
        assertThat(read(first, true)).isEqualTo(200);
        OkHttpClient stranger = connection();
        assertThat(read(stranger, false)).as("unsigned").isEqualTo(401);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionsOpen() == 2);
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slow.add(trickling("127.0.0." + (2 + i)));
            int counted = 3 + i;
            await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionsOpen() == counted);
        }
        // all 4 taken: the allocator's, the stranger's (idle since its 401) and two that never finish their heads
        assertThat(read(connection(), true)).as("the allocator's new connection").isEqualTo(200);
        assertThat(read(connection(), true)).as("and another").isEqualTo(200);
        assertThat(read(connection(), true)).as("and another").isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.stream().allMatch(LogServerConnectionsTest::closedByServer));
        assertThat(read(first, true)).as("the allocator's first connection, still open").isEqualTo(200);
        assertThat(first.connectionPool().connectionCount()).isEqualTo(1);
        assertThat(server.connectionsOpen()).isEqualTo(4);
    }
}
