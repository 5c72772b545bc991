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
 * keeps completing.
 */
class SlowClientTest {
    private LiveServer s;

    @AfterEach
    void stop() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void aReaderThatNeverReadsItsMultiMegabyteReplyStallsNoCommand() throws Exception {
        s = new LiveServer();
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
