package dev.steward.agent;

import dev.steward.api.AgentSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A follow on the agent's log server whose caller leaves, over real sockets: its place among the
 * 1,024 follows is given back within a look of the timer, not at the end of its wait (a minute
 * here, up to 5); a follow answered when bytes come leaves its kept-alive connection serving the
 * next read. The allocator closes its connection to the agent when its own client has left.
 */
class LogServerDepartureTest {
    private static final String TOKEN_HASH = AgentSignature.tokenHash("sta_" + "cd".repeat(32));
    @TempDir
    Path dir;
    private LogServer server;
    private final List<Socket> open = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        Path task = Files.createDirectories(dir.resolve("t1"));
        Files.writeString(task.resolve("stdout.log"), "hello\n");
        server = new LogServer(new InetSocketAddress("127.0.0.1", 0), dir, () -> TOKEN_HASH);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : open) {
            s.close();
        }
        server.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        open.add(s);
        s.connect(server.address(), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    private static void follow(Socket s, long offset, String wait) throws IOException {
        String path = "/v1/tasks/t1/logs?offset=" + offset + "&wait=" + wait;
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: agent\r\n" + AgentSignature.HEADER + ": "
                + AgentSignature.sign(TOKEN_HASH, System.currentTimeMillis(), path) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** One answer from a kept-alive connection: its head and its Content-Length of body. */
    private static String answer(InputStream in) throws IOException {
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
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void a_follow_whose_caller_leaves_gives_its_place_back_at_once() throws Exception {
        Socket gone = connect();
        Socket stays = connect();
        follow(gone, 6, "60s");
        follow(stays, 6, "60s");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.following() == 2);
        gone.close();
        await("the follow of the caller that left, ended long before its minute").atMost(Duration.ofSeconds(5)).until(() -> server.following() == 1);
        Files.writeString(dir.resolve("t1/stdout.log"), "world\n", StandardOpenOption.APPEND);
        assertThat(answer(stays.getInputStream())).as("the caller still there gets its bytes").startsWith("HTTP/1.1 200").endsWith("world\n");
        assertThat(server.following()).isZero();
    }

    @Test
    void a_kept_alive_connection_serves_the_next_read_after_a_follow() throws Exception {
        Socket s = connect();
        long offset = 6;
        for (int round = 0; round < 3; round++) {
            follow(s, offset, "60s");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.following() == 1);
            Files.writeString(dir.resolve("t1/stdout.log"), "line" + round + "\n", StandardOpenOption.APPEND);
            String a = answer(s.getInputStream());
            assertThat(a).startsWith("HTTP/1.1 200").endsWith("line" + round + "\n").doesNotContainIgnoringCase("connection: close");
            offset += 6;
            follow(s, offset, "200ms"); // answered empty at its time, on the same connection
            assertThat(answer(s.getInputStream())).startsWith("HTTP/1.1 200").contains("X-Steward-Log-Offset: " + offset);
        }
    }
}
