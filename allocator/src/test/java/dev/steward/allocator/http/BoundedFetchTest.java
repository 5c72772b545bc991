package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Peers that answer slowly, without end or too much, on real sockets: each fetch ends within its time and size. */
class BoundedFetchTest {
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A peer that answers every request with {@code answer}; its URI. */
    private URI peer(Consumer<OutputStream> answer) throws IOException {
        HostilePeer p = HostilePeer.start(answer);
        open.add(p);
        return URI.create("http://127.0.0.1:" + p.port() + "/metrics");
    }

    private Throwable failure(URI uri, long max, Duration within) throws Exception {
        long t0 = System.nanoTime();
        try {
            BoundedFetch.send(http, HttpRequest.newBuilder(uri).timeout(within).build(), max, within).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("ended within its time and a margin").isLessThan(within.plusSeconds(5));
            return e.getCause();
        }
        throw new AssertionError("the fetch of " + uri + " succeeded");
    }

    @Test
    void a_whole_answer_within_the_bounds_is_returned() throws Exception {
        URI uri = peer(out -> HostilePeer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"));
        HttpResponse<byte[]> r = BoundedFetch.send(http, HttpRequest.newBuilder(uri).build(), 5, Duration.ofSeconds(5)).get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.US_ASCII)).isEqualTo("hello");
    }

    @Test
    void answers_in_time_take_their_deadlines_out_so_nothing_holds_them_until_the_deadline_falls_due() throws Exception {
        URI uri = peer(out -> HostilePeer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"));
        int before = BoundedFetch.pendingDeadlines(); // other tests' fetches may still wait in this JVM
        for (int i = 0; i < 20; i++) { // a follow's deadline is minutes away, and its answer up to 1 MiB
            BoundedFetch.send(http, HttpRequest.newBuilder(uri).build(), 5, Duration.ofMinutes(5)).get(30, TimeUnit.SECONDS);
        }
        assertThat(BoundedFetch.pendingDeadlines()).isLessThanOrEqualTo(before);
    }

    @Test
    void a_peer_that_never_answers_fails_too_slow_at_the_deadline() throws Exception {
        URI uri = peer(HostilePeer::silence);
        assertThat(failure(uri, 1024, Duration.ofSeconds(1))).isInstanceOf(BoundedFetch.TooSlow.class).hasMessage("did not answer within 1s");
    }

    @Test
    void a_peer_that_sends_its_head_and_then_its_body_a_byte_at_a_time_fails_too_slow_at_the_deadline() throws Exception {
        // the JDK's request timeout alone stops at the head: this body would hold the caller for 1,000 s
        URI uri = peer(out -> {
            HostilePeer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            for (int i = 0; i < 1000; i++) {
                HostilePeer.write(out, "x");
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        assertThat(failure(uri, 4096, Duration.ofSeconds(2))).isInstanceOf(BoundedFetch.TooSlow.class);
    }

    @Test
    void a_body_without_end_is_refused_once_it_passes_the_limit_not_held_in_memory() throws Exception {
        URI uri = peer(out -> HostilePeer.endless(out, "x"));
        assertThat(failure(uri, 1024 * 1024, Duration.ofSeconds(20))).isInstanceOf(BoundedFetch.TooLarge.class)
                .hasMessage("sent a body above the limit of 1048576 bytes");
    }

    @Test
    void a_body_declared_above_the_limit_is_refused_before_it_is_read() throws Exception {
        URI uri = peer(out -> {
            HostilePeer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n");
            HostilePeer.silence(out);
        });
        assertThat(failure(uri, 1024 * 1024, Duration.ofSeconds(20))).isInstanceOf(BoundedFetch.TooLarge.class)
                .hasMessage("declared a body above the limit of 1048576 bytes");
    }

    @Test
    void a_peer_that_is_not_there_fails_with_the_transport_error() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> BoundedFetch.send(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(), 10,
                Duration.ofSeconds(5)).get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(java.net.ConnectException.class);
    }
}
