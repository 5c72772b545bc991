package dev.steward.allocator.http;

import dev.steward.api.AgentRegistration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that do not play along, over real sockets: a reader that asks for a multi-megabyte
 * reply and never reads it must not stall the state's owner thread, so every other command
 * keeps completing; one that reads it a little at a time, so that the write never idles, is cut
 * off once behind the slowest rate, and its place given back.
 */
class SlowClientTest {
    private LiveServer s;

    @AfterEach
    void stop() {
        if (s != null) {
            s.close();
        }
    }

    /** 3,000 agents with 3 KB of attributes each: {@code GET /v1/agents} answers about 10 MB. */
    private void manyAgents() throws Exception {
        Map<String, String> attrs = new LinkedHashMap<>();
        for (int k = 0; k < 3; k++) {
            attrs.put("note" + k, "x".repeat(1000));
        }
        s.server.engine().command((st, now) -> {
            for (int i = 0; i < 3000; i++) {
                st.registerAgent(new AgentRegistration("m" + i, "4", "4g", null, null, null, null, null, attrs).parse(), "h" + i, now);
            }
            return null;
        }).get(60, TimeUnit.SECONDS);
    }

    /**
     * A GET as the admin on a socket with a small receive buffer, once its answer has begun with a
     * 200. A place is given back only once its answer is written, so a request sent just after the
     * admin's last answer can find the admin's share still taken: that 503 is sent again, as a
     * client does after its Retry-After.
     */
    private Socket slowReader(String target) {
        Socket[] got = {null};
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            Socket so = new Socket();
            so.setReceiveBufferSize(4096);
            so.connect(new InetSocketAddress(s.server.address().getAddress(), s.server.address().getPort()));
            so.setSoTimeout(30_000);
            OutputStream out = so.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + s.admin() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] status = so.getInputStream().readNBytes(12);
            if (new String(status, StandardCharsets.US_ASCII).equals("HTTP/1.1 200")) {
                got[0] = so;
                return true;
            }
            so.close();
            return false;
        });
        return got[0];
    }

    /** What a reader that reads a trickle saw: bytes read, whether the place was seen held (503), then given back, and when it began. */
    private record Trickle(long read, boolean heldMeanwhile, boolean givenBack, long began) {
    }

    /**
     * Reads {@code slow}'s answer 1 KiB every 20 ms (about 50 KiB a second, so the write never
     * idles) for at most 30 s. Once 64 KiB are in it asks {@code probe} until it answers 503 (the
     * place held), then every 50 reads until it answers {@code free} (the place given back).
     */
    private static Trickle trickle(Socket slow, java.util.function.IntSupplier probe, int free) throws Exception {
        java.io.InputStream in = slow.getInputStream();
        byte[] buf = new byte[1024];
        long read = 0;
        long began = System.nanoTime();
        boolean heldMeanwhile = false;
        boolean givenBack = false;
        for (int i = 0, n; !givenBack && System.nanoTime() - began < Duration.ofSeconds(30).toNanos() && (n = in.read(buf)) > 0; i++) {
            read += n;
            if (!heldMeanwhile && read > 64 * 1024) {
                heldMeanwhile = probe.getAsInt() == 503;
            } else if (heldMeanwhile && i % 50 == 0) {
                givenBack = probe.getAsInt() == free;
            }
            Thread.sleep(20); // the reader's pace
        }
        return new Trickle(read, heldMeanwhile, givenBack, began);
    }

    @Test
    void aReaderThatReadsItsReplyATrickleAtATimeIsCutOffBehindTheSlowestRateAndGivesItsPlaceBack() throws Exception {
        // 4 API places, so the admin token's share is 1: while the slow reader holds it, the admin's other calls get a 503
        s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofHours(1)).withHttp(HttpLimits.DEFAULTS.withClasses(64, 4, 5, 2)
                .withIdleTimeout(Duration.ofSeconds(60)).withBodyRate(4_000_000, Duration.ofSeconds(1))));
        manyAgents(); // about 10 MB: due within 1 s + 10 MB at 4 MB/s, about 3.5 s
        try (Socket slow = slowReader("/v1/agents")) {
            Trickle t = trickle(slow, () -> s.get("/v1/status", s.admin()).code(), 200);
            assertThat(t.heldMeanwhile()).as("while the answer is written, its place is held (the admin's share of 1)").isTrue();
            assertThat(t.givenBack()).as("the place is given back while the reader still reads (what the kernel had buffered): %d bytes read in %s",
                    t.read(), Duration.ofNanos(System.nanoTime() - t.began())).isTrue();
            assertThat(t.read()).as("given back before the 10 MB were read").isLessThan(9_000_000);
        }
    }

    @Test
    void aDownloadReadATrickleAtATimeIsCutOffBehindTheSlowestRateAndGivesItsTransferPlaceBack() throws Exception {
        // 2 transfer places, so the admin token's share is 1: while the slow download holds it, the admin's other transfers get a 503
        s = new LiveServer(c -> c.withHttp(HttpLimits.DEFAULTS.withClasses(64, 4, 5, 2).withIdleTimeout(Duration.ofSeconds(60))
                .withBodyRate(4_000_000, Duration.ofSeconds(1))));
        java.nio.file.Path tree = java.nio.file.Files.createTempDirectory("slow-download");
        byte[] noise = new byte[12 << 20]; // 12 MiB that do not compress
        new java.util.Random(5).nextBytes(noise);
        java.nio.file.Files.write(tree.resolve("data.bin"), noise);
        java.nio.file.Files.writeString(tree.resolve("run.sh"), "true");
        String digest = s.uploadTree(tree);
        String absent = "sha256:" + "cd".repeat(32);
        try (Socket slow = slowReader("/v1/packages/" + digest)) {
            Trickle t = trickle(slow, () -> s.get("/v1/packages/" + absent, s.admin()).code(), 404);
            assertThat(t.heldMeanwhile()).as("while the package is sent, its transfer place is held (the admin's share of 1)").isTrue();
            assertThat(t.givenBack()).as("the place is given back while the reader still reads: %d bytes read in %s", t.read(),
                    Duration.ofNanos(System.nanoTime() - t.began())).isTrue();
        } finally {
            try (var files = java.nio.file.Files.list(tree)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
            java.nio.file.Files.deleteIfExists(tree.resolveSibling(tree.getFileName() + ".tar.zst"));
            java.nio.file.Files.delete(tree);
        }
    }

    @Test
    void aReaderThatNeverReadsItsMultiMegabyteReplyStallsNoCommand() throws Exception {
        s = new LiveServer();
        manyAgents();
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress(s.server.address().getAddress(), s.server.address().getPort()));
            OutputStream out = slow.getOutputStream();
            out.write(("GET /v1/agents HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + s.admin() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush(); // and never read: about 10 MB wait to be written to it
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                LiveServer.Reply r = s.call("PUT", "/v1/roles/r" + i, s.admin(), "{\"weight\":1}");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.code()).isIn(200, 201);
                assertThat(ms).as("command %d took %d ms while a reader did not read", i, ms).isLessThan(Duration.ofSeconds(3).toMillis());
            }
        }
    }
}
