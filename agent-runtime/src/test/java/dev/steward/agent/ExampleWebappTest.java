package dev.steward.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The example app (examples/webapp), which the demo, the tours and many tests deploy, as a process:
 * a client that leaves before its answer (a health check past its timeout does) is no error of the
 * app's and writes nothing to its stderr. It wrote a Python traceback for each before, which then
 * was what an instance "last wrote" on the dashboard and in {@code steward deploy} in place of the
 * app's own lines (DashboardBrowserTest failed so on a busy machine).
 */
class ExampleWebappTest {
    @TempDir
    Path dir;

    @Test
    void a_client_that_leaves_before_its_answer_writes_no_traceback() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", Apps.WEBAPP.resolve("app.py").toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PORT_HTTP", Integer.toString(port));
        pb.environment().put("UNHEALTHY", "1");
        Process app = pb.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(out).contains("listening on 127.0.0.1:" + port));
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    s.setSoLinger(true, 0); // its close resets the connection: the app's answer meets a reset
                    s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            // a client that stays gets its answer: the app serves on. Connections are accepted in the order they came, so the 20 have each a
            // thread by then; once the main thread is alone again every one of them has been handled (and would have written its traceback)
            assertThat(get(port, "/healthz")).startsWith("HTTP/1.1 500");
            Path threads = Path.of("/proc", Long.toString(app.pid()), "task");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (var ts = Files.list(threads)) {
                    return ts.count() == 1;
                }
            });
            assertThat(Files.readString(err)).as("the app's stderr").isEmpty();
            assertThat(Files.readString(out)).as("its own line only").matches("webapp \\S+ listening on 127\\.0\\.0\\.1:" + port + "\n");
        } finally {
            app.destroyForcibly().waitFor();
        }
    }

    private static String get(int port, String path) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            o.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
