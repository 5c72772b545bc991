package dev.steward.client;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against a real allocator on loopback. */
class StewardClientTest {
    private Path dir;
    private Server server;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("steward-client");
        server = Server.start(ServerConfig.of(dir));
        StewardClient admin = client(Duration.ofSeconds(5));
        admin.call("POST", "/v1/agents", new dev.steward.api.AgentRegistration("m1", "4", "4g", null, null, null, null, null, null),
                com.fasterxml.jackson.databind.JsonNode.class, false);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        try (var all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private StewardClient client(Duration retryBudget) {
        return StewardClient.builder(server.url()).token(server.adminToken()).retryBudget(retryBudget).build();
    }

    @Test
    void a_cancelled_watch_gives_back_the_place_its_query_held_parked_at_once() throws Exception {
        StewardClient c = client(Duration.ofSeconds(5));
        // a pipeline's watch of its deployment, and the pipeline aborted: its query, parked for up to 30 s, must not hold a place that long
        CompletableFuture<com.fasterxml.jackson.databind.JsonNode> watch = c.watchAsync("/v1/status", com.fasterxml.jackson.databind.JsonNode.class,
                java.time.Instant.now().plus(Duration.ofMinutes(10)), java.time.Clock.systemUTC(), v -> false, v -> { });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.engine().parkedQueries() == 1);
        watch.cancel(true);
        // within 5 s: the agent registered above, which never beats, is lost at 10 s, a change that would wake the query anyway
        org.awaitility.Awaitility.await("the parked query gone with its watch, not at its 30 s").atMost(Duration.ofSeconds(5))
                .until(() -> server.engine().parkedQueries() == 0);
    }

    @Test
    void typed_calls_and_blocking_queries_work_against_a_real_allocator() throws Exception {
        StewardClient c = client(Duration.ofSeconds(5));
        RequestInfo r = c.submit(AllocateRequest.of("1", "1g", 1));
        AllocationInfo a = c.allocation(r.allocations().get(0));
        assertThat(a.state()).isEqualTo(AllocationState.ALLOCATED);
        Indexed<RequestInfo> now = c.request(r.id(), 0, Duration.ZERO);
        CompletableFuture<Indexed<RequestInfo>> watch = CompletableFuture.supplyAsync(() -> {
            try {
                return c.request(r.id(), now.index(), Duration.ofSeconds(30));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        c.cancel(r.id());
        Indexed<RequestInfo> after = watch.get(20, TimeUnit.SECONDS);
        assertThat(after.index()).isGreaterThan(now.index());
        assertThat(after.value().state().name()).isEqualTo("CANCELLED");
    }

    /** A call the client makes of something that might throw, for {@link #givesUpOnASilentAllocator}. */
    private interface Call {
        Object on(StewardClient c) throws java.io.IOException;
    }

    /**
     * Runs {@code call} (with a 500 ms wait) against an allocator whose machine died: the
     * connection was made, and no byte (not even a FIN) ever comes back. It must give up after its
     * wait and the grace (2 s here, 30 s by default), not the client's 6-minute read timeout it
     * used to wait out.
     */
    private static void givesUpOnASilentAllocator(Call call) throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            StewardClient c = StewardClient.builder("http://127.0.0.1:" + silent.getLocalPort()).token("sta_token").retryBudget(Duration.ZERO)
                    .answerGrace(Duration.ofSeconds(2)).build();
            long t0 = System.nanoTime();
            CompletableFuture<Object> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return call.on(c);
                } catch (java.io.IOException e) {
                    return e;
                }
            });
            assertThat(answer.get(90, TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).as("not before the wait and the grace").isGreaterThanOrEqualTo(Duration.ofMillis(2_500));
            assertThat(took).as("the grace asked for, not the default 30 s nor the read timeout").isLessThan(Duration.ofSeconds(25));
            for (java.net.Socket so : held) {
                so.close();
            }
        }
    }

    @Test
    void a_blocking_query_to_an_allocator_gone_silent_gives_up_after_its_wait_and_the_grace_not_the_6_minute_read_timeout() throws Exception {
        givesUpOnASilentAllocator(c -> c.request("r1", 5, Duration.ofMillis(500)));
    }

    @Test
    void a_log_follow_from_an_allocator_gone_silent_gives_up_after_its_wait_and_the_grace_not_the_6_minute_read_timeout() throws Exception {
        givesUpOnASilentAllocator(c -> c.logs("t1", "stdout", 0, Duration.ofMillis(500)));
    }

    @Test
    void an_answer_grace_of_nothing_is_refused_naming_it() {
        assertThatThrownBy(() -> StewardClient.builder("http://127.0.0.1:4646").answerGrace(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("answerGrace");
        assertThat(StewardClient.DEFAULT_ANSWER_GRACE).as("the default: above the 10 s within which the allocator answers a log follow")
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void a_client_of_plain_http_readies_no_tls_and_one_of_https_does() {
        okhttp3.OkHttpClient plain = StewardClient.builder("http://127.0.0.1:4646").build().http();
        assertThat(plain.connectionSpecs()).as("no TLS for plain HTTP: the JDK's trust store is not read (the agent's memory)")
                .containsExactly(okhttp3.ConnectionSpec.CLEARTEXT);
        assertThatThrownBy(plain::sslSocketFactory).isInstanceOf(IllegalStateException.class);
        okhttp3.OkHttpClient tls = StewardClient.builder("https://allocator.example:4646").build().http();
        assertThat(tls.connectionSpecs()).contains(okhttp3.ConnectionSpec.MODERN_TLS);
        assertThat(tls.sslSocketFactory()).isNotNull();
        okhttp3.OkHttpClient several = StewardClient.builder("http://127.0.0.1:4646,https://10.0.0.2:4646").allowPlainHttp(true).build().http();
        assertThat(several.connectionSpecs()).as("one https address among several").contains(okhttp3.ConnectionSpec.MODERN_TLS);
    }

    @Test
    void an_error_carries_the_problem_and_its_field() {
        StewardClient c = client(Duration.ofSeconds(5));
        assertThatThrownBy(() -> c.submit(AllocateRequest.of("-1", "1g", 1)))
                .isInstanceOf(StewardException.class)
                .satisfies(e -> {
                    StewardException se = (StewardException) e;
                    assertThat(se.status()).isEqualTo(400);
                    assertThat(se.problem().field()).isEqualTo("cpus");
                });
    }

    @Test
    void an_idempotent_call_is_retried_across_an_allocator_restart_and_a_non_idempotent_one_is_not() throws Exception {
        StewardClient c = client(Duration.ofSeconds(60));
        RequestInfo r = c.submit(AllocateRequest.of("1", "1g", 1));
        String alloc = r.allocations().get(0);
        InetSocketAddress at = server.address();
        server.close();
        assertThatThrownBy(() -> client(Duration.ofSeconds(60)).submit(AllocateRequest.of("1", "1g", 1)))
                .as("a submit is not retried: it could place twice").isInstanceOf(java.io.IOException.class);
        CompletableFuture<AllocationInfo> release = CompletableFuture.supplyAsync(() -> {
            try {
                return c.release(alloc);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        // the release is now retrying against a closed port; bring the allocator back on the same address and data
        org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !release.isDone());
        server = Server.start(ServerConfig.of(dir).withBind(at));
        AllocationInfo released = release.get(60, TimeUnit.SECONDS);
        assertThat(released.state()).isEqualTo(AllocationState.RELEASED);
    }

    @Test
    void a_submit_rides_through_an_allocators_store_outage_once_it_is_told_nothing_was_applied() throws Exception {
        InetSocketAddress at = server.address();
        server.close();
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
        server = Server.start(ServerConfig.of(dir).withBind(at).withHeartbeatGrace(Duration.ofMinutes(5)), java.time.Clock.systemUTC(), new Server.Embedding(store -> new dev.steward.allocator.store.Store() {
            @Override
            public Loaded load() {
                return store.load();
            }

            @Override
            public void write(Batch batch) {
                if (broken.get()) {
                    throw new IllegalStateException("cannot write the state database: [SQLITE_IOERR] disk I/O error (made to fail by the test)");
                }
                store.write(batch);
            }

            @Override
            public void close() {
                store.close();
            }
        }, true, dev.steward.allocator.packages.PackageStore.Replicator.NONE, null));
        StewardClient c = client(Duration.ofSeconds(60));
        broken.set(true);
        assertThatThrownBy(() -> c.submit(AllocateRequest.of("1", "1g", 1))).as("the write that failed: not said to be unapplied, so not sent again")
                .isInstanceOf(StewardException.class).hasMessageContaining("SQLITE_IOERR");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                client(Duration.ZERO).roles();
                return false;
            } catch (StewardException e) {
                return e.getMessage().contains("tries again by itself");
            }
        });
        CompletableFuture<RequestInfo> submitted = CompletableFuture.supplyAsync(() -> {
            try {
                return c.submit(AllocateRequest.of("1", "1g", 1));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        org.awaitility.Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !submitted.isDone());
        broken.set(false);
        RequestInfo r = submitted.get(60, TimeUnit.SECONDS);
        assertThat(r.state()).isEqualTo(dev.steward.api.RequestState.PLACED);
        assertThat(c.requests(null)).as("the one that waited, once; not the one whose write failed").extracting(RequestInfo::id).containsExactly(r.id());
    }

    @Test
    void watch_sees_each_change_and_returns_when_the_condition_holds_or_null_at_the_timeout() throws Exception {
        StewardClient c = client(Duration.ofSeconds(5));
        RequestInfo big = c.submit(AllocateRequest.of("4", "1g", 2)); // one fits now, the second waits for the first's cpus
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        assertThat(c.watch("/v1/requests/" + big.id(), RequestInfo.class, Duration.ofMillis(300), r -> r.state().name().equals("PLACED"),
                r -> seen.add(r.state() + "/" + r.placed()))).isNull();
        assertThat(seen).containsExactly("PENDING/1");
        CompletableFuture<RequestInfo> placed = CompletableFuture.supplyAsync(() -> {
            try {
                return c.watch("/v1/requests/" + big.id(), RequestInfo.class, Duration.ofSeconds(30), r -> r.state().name().equals("PLACED"), r -> { });
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        c.call("PUT", "/v1/agents/" + c.agents().get(0).id(), new dev.steward.api.AgentRegistration("m1", "8", "4g", null, null, null, null, null, null),
                com.fasterxml.jackson.databind.JsonNode.class, true);
        assertThat(placed.get(20, TimeUnit.SECONDS).placed()).isEqualTo(2);
    }

    @Test
    void namesAreOnePathSegmentEachSoTheyCannotReachAnotherRouteAndErrorsShowThemDecoded() throws Exception {
        StewardClient c = client(Duration.ofSeconds(5));
        dev.steward.api.DeployRequest req = new dev.steward.api.DeployRequest("sha256:" + "0".repeat(64), null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.deployments().deploy("webapp", "roles/evil", req))
                .isInstanceOfSatisfying(StewardException.class, e -> {
                    org.assertj.core.api.Assertions.assertThat(e.status()).isEqualTo(400);
                    org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("env").contains("'roles/evil' may hold only");
                });
        org.assertj.core.api.Assertions.assertThat(c.roles()).noneMatch(r -> r.name().equals("evil"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.deployments().service("Web App", "prod"))
                .hasMessageContaining("'Web App'").hasMessageNotContaining("%20");
        org.assertj.core.api.Assertions.assertThat(Paths.v1("services", "a b", "x/y?z")).isEqualTo("/v1/services/a%20b/x%2Fy%3Fz");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Paths.v1("services", "..", "prod")).isInstanceOf(IllegalArgumentException.class);
    }
}
