package dev.steward.allocator.http;

import dev.steward.allocator.Server;
import dev.steward.allocator.packages.PackageStore;
import dev.steward.allocator.store.Store;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A lone allocator whose store fails (a full disk, here a store made to fail its writes) answers
 * every request with why, and comes back by itself on the same port once it can write again,
 * with what it acknowledged and without the change whose write failed. Before, it refused every
 * request, reads too, until someone restarted it, and logged a stack trace at every tick.
 */
class StoreRecoveryTest {
    private LiveServer s;
    private Path dir;

    @AfterEach
    void stop() throws Exception {
        if (s != null) {
            s.close();
        }
        if (dir != null) {
            try (var all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private LiveServer breakable(AtomicBoolean broken) throws Exception {
        dir = Files.createTempDirectory("steward-store-recovery");
        return new LiveServer(dir, c -> c, new Server.Embedding(store -> new Breakable(store, broken), true, PackageStore.Replicator.NONE, null));
    }

    /** The real SQLite store, whose writes fail while {@code broken} is set, as SQLite's do on a full disk. */
    record Breakable(Store real, AtomicBoolean broken) implements Store {
        @Override
        public Loaded load() {
            return real.load();
        }

        @Override
        public Dump dump() {
            return real.dump();
        }

        @Override
        public void write(Batch batch) {
            if (broken.get()) {
                throw new IllegalStateException("cannot write the state database: [SQLITE_IOERR] disk I/O error (made to fail by the test)");
            }
            real.write(batch);
        }

        @Override
        public void close() {
            real.close();
        }
    }

    @Test
    void a_failed_store_is_answered_with_its_reason_and_the_allocator_resumes_by_itself_once_it_can_write() throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        s = breakable(broken);
        String url = s.server.url();
        String[] agent = s.agent("a1", "2", "2g");
        assertThat(s.put("/v1/roles/kept", s.admin(), "{\"weight\":2}").code()).isEqualTo(200);
        String index = s.get("/v1/agents/" + agent[0] + "/tasks", agent[1]).index();
        CompletableFuture<LiveServer.Reply> parked = CompletableFuture.supplyAsync(
                () -> s.get("/v1/agents/" + agent[0] + "/tasks?index=" + index + "&wait=60s", agent[1]));
        await().atMost(Duration.ofSeconds(10)).until(() -> s.server.engine().parkedQueries() == 1);

        broken.set(true);
        LiveServer.Reply refused = s.put("/v1/roles/lost", s.admin(), "{\"weight\":3}");
        assertThat(refused.code()).isEqualTo(503);
        assertThat(refused.body().path("detail").asText()).contains("nothing more is changed until it can write again").contains("SQLITE_IOERR");
        assertThat(parked.get(10, TimeUnit.SECONDS).code()).as("the agent's parked query ends at once, to be asked again").isEqualTo(503);

        String reason = "the allocator cannot write its state in " + s.dir + ": cannot write the state database: [SQLITE_IOERR] disk I/O error "
                + "(made to fail by the test). It answers nothing meanwhile, tries again by itself every few seconds";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            LiveServer.Reply read = s.get("/v1/roles", s.admin());
            assertThat(read.code()).isEqualTo(503);
            assertThat(read.body().path("detail").asText()).startsWith(reason);
        });
        try (Response r = s.http.newCall(new Request.Builder().url(url + "/v1/health").build()).execute()) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isEqualTo("2");
            String body = r.body().string();
            assertThat(body).contains("\"status\":\"failed\"").contains("tries again by itself");
        }
        assertThat(s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{\"usage\":{}}").code()).isEqualTo(503);
        try (Response r = s.http.newCall(new Request.Builder().url(url + "/v1/requests").header("Authorization", "Bearer " + s.admin())
                .post(okhttp3.RequestBody.create("{\"cpus\":\"1\"}", LiveServer.JSON)).build()).execute()) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.header("X-Steward-Not-Applied")).as("nothing was done with it: a client may send even a POST again").isEqualTo("true");
        }
        // it keeps trying meanwhile, and failing: still down a few seconds on
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
        assertThat(s.get("/v1/health", null).code()).isEqualTo(503);

        broken.set(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/health", null).code() == 200);
        assertThat(s.server.url()).as("the same port").isEqualTo(url);
        assertThat(s.get("/v1/roles/kept", s.admin()).body().path("weight").asDouble()).as("what it acknowledged").isEqualTo(2.0);
        assertThat(s.get("/v1/roles/lost", s.admin()).code()).as("the change whose write failed, refused to its caller, is not made").isEqualTo(404);
        assertThat(s.put("/v1/agents/" + agent[0] + "/heartbeat", agent[1], "{\"usage\":{}}").code()).as("the agent, with its token").isEqualTo(200);
        assertThat(s.put("/v1/roles/after", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
        try (Response r = s.http.newCall(new Request.Builder().url(url + "/metrics").header("Authorization", "Bearer " + s.admin()).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            String text = r.body().string();
            assertThat(text).as("the new life's metrics, with the listener's connections")
                    .contains("steward_http_connections_open").contains("steward_http_requests_total{");
            assertThat(text).as("and the outage it lived through").contains("steward_store_outages_total 1.0");
            double seconds = Double.parseDouble(text.lines().filter(l -> l.startsWith("steward_store_outage_seconds_total ")).findFirst()
                    .orElseThrow().split(" ")[1]);
            assertThat(seconds).isGreaterThan(3.0).isLessThan(60.0);
        }

        s.close();
        s = new LiveServer(dir, c -> c);
        assertThat(s.get("/v1/roles", s.admin()).body()).extracting(r -> r.path("name").asText()).contains("kept", "after").doesNotContain("lost");
    }

    @Test
    void a_stop_during_the_outage_ends_the_tries_and_leaves_nothing_running() throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        s = breakable(broken);
        broken.set(true);
        assertThat(s.put("/v1/roles/lost", s.admin(), "{\"weight\":3}").code()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(10)).until(() -> s.get("/v1/health", null).code() == 503);
        s.close();
        s = null;
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("steward-recovery")));
    }
}
