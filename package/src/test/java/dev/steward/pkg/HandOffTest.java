package dev.steward.pkg;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The package writer's hand-off to its own thread: every byte, in order, by close; and a failure of that thread reaches the caller. */
class HandOffTest {
    @Test
    void every_byte_arrives_in_order_once_closed_though_the_caller_reuses_its_buffer() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random r = new Random(3);
        byte[] buf = new byte[4096];
        try (HandOff off = new HandOff(sink, "test-writer")) {
            for (int i = 0; i < 2000; i++) { // far more chunks than the queue holds
                r.nextBytes(buf);
                int n = 1 + r.nextInt(buf.length);
                off.write(buf, 0, n);
                expected.write(buf, 0, n);
            }
            off.write(7);
            expected.write(7);
        }
        assertThat(sink.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void a_failing_target_fails_the_caller_and_never_hangs_it() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        assertThatThrownBy(() -> {
            try (HandOff off = new HandOff(broken, "test-writer")) {
                byte[] b = new byte[1024];
                for (int i = 0; i < 10_000; i++) { // past a full queue: the failure must stop the caller
                    off.write(b, 0, b.length);
                }
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
    }
}
