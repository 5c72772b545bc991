package dev.steward.allocator.monitor;

import dev.steward.allocator.deploy.ServiceRecord;
import dev.steward.allocator.deploy.Services;
import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.http.HostilePeer;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.StateConfig;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A tenant's instances are its own programs, and a monitor reads their metrics pages. Two of
 * them here answer as an attacker would, on real sockets: one sends its page a byte a second,
 * one sends a page without end. Before, each held one of the two threads every monitor shares
 * for as long as it liked (the JDK's request timeout stops at the response's head) and the
 * endless page grew in the allocator's heap: a third service's monitor never ticked again.
 */
class HostileScrapeTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private Engine engine;
    private MonitorRunner runner;

    @AfterEach
    void close() throws Exception {
        if (runner != null) {
            runner.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    /** An instance's metrics endpoint that answers every request with {@code answer}; its port. */
    private int endpoint(Consumer<OutputStream> answer) throws IOException {
        HostilePeer p = HostilePeer.start(answer);
        open.add(p);
        return p.port();
    }

    /** Service APP/prod with one healthy instance whose metrics are at 127.0.0.1:PORT. */
    private void service(String app, int port) throws Exception {
        String name = Services.name(app, "prod");
        Instant now = Instant.now();
        ServiceRecord svc = new ServiceRecord(name, app, "prod", "default", 1, 1, 1, 1, null, List.of(), null, 0, 2, now, now, 1, 1, null);
        InstanceInfo i = new InstanceInfo(app + "-0", name, 1, "sha256:" + "0".repeat(64), null, InstanceState.HEALTHY, null, null, null, null,
                "127.0.0.1", Map.of("http", port), now, now, null, false, now, null, null, now, 1, 1);
        engine.read(s -> {
            s.services().restore(List.of(svc), List.of(), List.of(), List.of(i));
            return null;
        }).get(10, TimeUnit.SECONDS);
    }

    /** How many times monitor {@code id}'s gate has been evaluated (each tick evaluates it once). */
    private int evaluations(String id) throws Exception {
        MonitorReport r = engine.read(s -> s.monitors().get(id)).get(10, TimeUnit.SECONDS);
        return r.gates().isEmpty() ? 0 : r.gates().get(0).evaluations();
    }

    @Test
    void instances_that_send_their_metrics_slowly_or_without_end_cost_their_own_samples_and_never_stall_other_monitors() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), new SqliteStore(dir), Clock.systemUTC());
        runner = new MonitorRunner(engine);
        service("slow", endpoint(out -> {
            try {
                out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                for (int k = 0; k < 100_000; k++) {
                    out.write('#');
                    out.flush();
                    Thread.sleep(1000);
                }
            } catch (IOException | InterruptedException e) {
                // hung up on
            }
        }));
        service("endless", endpoint(out -> HostilePeer.endless(out, "# x\n")));
        service("fine", endpoint(out -> {
            try {
                byte[] page = "http_requests_total{status=\"200\"} 1\n".getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + page.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(page);
                out.flush();
            } catch (IOException e) {
                // hung up on
            }
        }));
        MonitorSpec spec = new MonitorSpec(List.of("healthy >= 100%"), "10m", "1s", "3s", 0, null, null, null, null, null, null, null, null);
        String slow = runner.start("slow/prod", spec, "test").id();
        String endless = runner.start("endless/prod", spec, "test").id();
        String fine = runner.start("fine/prod", spec, "test").id();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(evaluations(fine)).as("the well-behaved service's monitor ticks on").isGreaterThanOrEqualTo(5));
        // and the hostile ones tick too: each tick ends at its scrape's bound, with no sample from the hostile instance
        assertThat(evaluations(slow)).isGreaterThanOrEqualTo(2);
        assertThat(evaluations(endless)).isGreaterThanOrEqualTo(2);
    }
}
