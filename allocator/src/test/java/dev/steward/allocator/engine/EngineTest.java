package dev.steward.allocator.engine;

import dev.steward.allocator.http.Api;
import dev.steward.allocator.http.ApiResponse;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.StateConfig;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;
import dev.steward.api.AgentRegistration;
import dev.steward.api.RoleSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineTest {
    @TempDir
    Path dir;
    private Engine engine;

    /** The real SQLite store, which can be made to fail its next writes. */
    private static final class Breakable implements Store {
        final SqliteStore real;
        final AtomicBoolean broken = new AtomicBoolean();
        final java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();

        Breakable(Path dir) {
            real = new SqliteStore(dir);
        }

        @Override
        public Loaded load() {
            return real.load();
        }

        @Override
        public void write(Batch batch) {
            if (broken.get()) {
                throw new IllegalStateException("disk full");
            }
            real.write(batch);
            writes.incrementAndGet();
        }

        @Override
        public void close() {
            real.close();
        }
    }

    /** Keeps the owner thread busy until {@code hold} opens, so that commands queue up behind it as they do under load. */
    private java.util.concurrent.CompletableFuture<Object> holdOwner(java.util.concurrent.CountDownLatch hold) {
        return engine.read(s -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void a_command_that_changes_the_state_and_then_fails_is_logged_as_a_defect_and_one_that_fails_first_is_not() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), new SqliteStore(dir), Clock.systemUTC());
        java.util.List<java.util.logging.LogRecord> logged = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(Engine.class.getName());
        log.addHandler(capture);
        try {
            java.util.concurrent.CompletableFuture<Object> checksFirst = engine.command((s, now) -> {
                throw new IllegalArgumentException("refused before any change");
            });
            assertThat(checksFirst).failsWithin(10, TimeUnit.SECONDS);
            assertThat(logged).as("a refusal that changed nothing is no defect").noneMatch(r -> r.getLevel() == java.util.logging.Level.SEVERE);
            java.util.concurrent.CompletableFuture<Object> changesFirst = engine.command((s, now) -> {
                s.putRole("half", new RoleSpec(1.0, null, null).parse());
                throw new IllegalArgumentException("refused after a change");
            });
            assertThat(changesFirst).failsWithin(10, TimeUnit.SECONDS);
            assertThat(logged).as("a change kept from a failed command is named").anyMatch(r -> r.getLevel() == java.util.logging.Level.SEVERE
                    && r.getMessage().contains("changed the state and then failed") && r.getThrown().getMessage().equals("refused after a change"));
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void answers_to_commands_and_agents_reads_never_wait_behind_clients_reads_still_being_answered() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), new SqliteStore(dir), Clock.systemUTC());
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.CompletableFuture<?>> encoding = new java.util.ArrayList<>();
        java.util.concurrent.CountDownLatch owner = new java.util.concurrent.CountDownLatch(1);
        holdOwner(owner); // the reads complete only once every stage below is chained: so each runs where the read completes, never here
        try {
            for (int i = 0; i < 8; i++) { // clients' reads whose answers take long to encode: every thread that completes them is taken
                encoding.add(engine.clientRead(s -> s.index()).thenApply(x -> {
                    try {
                        hold.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return x;
                }));
            }
            owner.countDown();
            assertThat(engine.command((s, now) -> s.putRole("ci", new RoleSpec(1.0, null, null).parse())).get(10, TimeUnit.SECONDS))
                    .as("a command is answered").isNotNull();
            assertThat(engine.read(s -> s.roles().size()).get(10, TimeUnit.SECONDS)).as("an agent's read is answered").isEqualTo(1);
            assertThat(encoding).as("the clients' reads are still being answered").noneMatch(java.util.concurrent.CompletableFuture::isDone);
        } finally {
            hold.countDown();
        }
        for (java.util.concurrent.CompletableFuture<?> f : encoding) {
            f.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void close_does_not_wait_for_the_timers_of_parked_queries() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), new SqliteStore(dir), Clock.systemUTC());
        engine.command((s, now) -> s.putRole("ci", new RoleSpec(1.0, null, null).parse())).get(10, TimeUnit.SECONDS);
        var parked = engine.awaitIndex(engine.index(), Duration.ofMinutes(5)); // an agent's watch, parked on the owner's timer
        engine.read(s -> null).get(10, TimeUnit.SECONDS); // the park has run
        assertThat(parked).isNotDone();
        var closed = java.util.concurrent.CompletableFuture.runAsync(engine::close);
        engine = null;
        // the owner used to stay up until its due timers fired, and close gave up on it only after 5 s
        closed.get(4, TimeUnit.SECONDS);
    }

    @Test
    void a_parked_query_cancelled_because_its_client_has_gone_leaves_the_parked_ones_at_once() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), new SqliteStore(dir), Clock.systemUTC());
        engine.command((s, now) -> s.putRole("ci", new RoleSpec(1.0, null, null).parse())).get(10, TimeUnit.SECONDS);
        var keyed = engine.awaitIndex("agent-1", s -> s.index(), engine.index(), Duration.ofMinutes(5));
        var whole = engine.awaitIndex(engine.index(), Duration.ofMinutes(5));
        var stays = engine.awaitIndex(engine.index(), Duration.ofMinutes(5));
        engine.read(s -> null).get(10, TimeUnit.SECONDS); // all three are parked
        assertThat(engine.parkedQueries()).isEqualTo(3);
        keyed.cancel(false);
        whole.cancel(false);
        engine.read(s -> null).get(10, TimeUnit.SECONDS); // the removals queued behind the cancels have run
        assertThat(engine.parkedQueries()).as("no change came to sweep them: the cancels took them out").isEqualTo(1);
        engine.command((s, now) -> s.putRole("ci", new RoleSpec(2.0, null, null).parse())).get(10, TimeUnit.SECONDS);
        assertThat(stays.get(10, TimeUnit.SECONDS)).as("the one still wanted is woken by the change as before").isEqualTo(engine.index());
        assertThat(engine.parkedQueries()).isZero();
    }

    @Test
    void close_answers_every_parked_query_and_what_comes_after_with_a_503_to_try_again() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), new SqliteStore(dir), Clock.systemUTC());
        engine.command((s, now) -> s.putRole("ci", new RoleSpec(1.0, null, null).parse())).get(10, TimeUnit.SECONDS);
        // an agent's watch and a client's wait, parked: at a leader's step-down the HTTP server goes on, and they must not hang
        var watch = engine.awaitIndex("agent-1", s -> s.index(), engine.index(), Duration.ofMinutes(5));
        var wait = engine.awaitIndex(engine.index(), Duration.ofMinutes(5));
        engine.read(s -> null).get(10, TimeUnit.SECONDS); // both are parked
        assertThat(watch).isNotDone();
        assertThat(wait).isNotDone();
        assertThat(engine.parkedQueries()).isEqualTo(2);
        Engine gone = engine;
        engine = null;
        gone.close();
        // and what comes after the close is answered the same way, not thrown at the HTTP layer as a 500
        for (var f : java.util.List.of(watch, wait, gone.awaitIndex(gone.index(), Duration.ofMinutes(5)), gone.read(s -> null), gone.command((s, now) -> null))) {
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(EngineClosed.class);
        }
        assertThat(gone.parkedQueries()).isZero();
        ApiResponse r = Api.error(new java.util.concurrent.CompletionException(new EngineClosed()));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.headers()).containsEntry("Retry-After", "1");
        assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)).contains("try again");
    }

    @Test
    void a_change_is_durable_before_it_is_acknowledged_and_the_index_counts_changes() throws Exception {
        Breakable store = new Breakable(dir);
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), store, Clock.systemUTC());
        engine.command((s, now) -> s.putRole("ci", new RoleSpec(1.0, null, null).parse())).get(10, TimeUnit.SECONDS);
        assertThat(engine.index()).isEqualTo(1);
        assertThat(store.real.load().roles()).extracting(r -> r.name()).containsExactly("ci");
        assertThat(store.real.load().index()).isEqualTo(1);
        engine.command((s, now) -> null).get(10, TimeUnit.SECONDS);
        assertThat(engine.index()).as("a command that changes nothing does not count").isEqualTo(1);
    }

    @Test
    void concurrent_commands_share_durable_writes_and_each_is_durable_when_acknowledged_and_a_failing_one_fails_alone() throws Exception {
        Breakable store = new Breakable(dir);
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), store, Clock.systemUTC());
        // hold the owner so that 500 commands queue up behind it, as they do under load
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        var held = holdOwner(hold);
        java.util.List<java.util.concurrent.CompletableFuture<?>> all = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String name = "r" + i;
            all.add(i == 250
                    ? engine.command((s, now) -> {
                        throw new IllegalArgumentException("no such thing");
                    })
                    : engine.command((s, now) -> s.putRole(name, new RoleSpec(1.0, null, null).parse())));
        }
        hold.countDown();
        held.get(10, TimeUnit.SECONDS);
        for (int i = 0; i < all.size(); i++) {
            if (i == 250) {
                assertThatThrownBy(all.get(i)::get).hasCauseInstanceOf(IllegalArgumentException.class);
            } else {
                all.get(i).get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(store.writes.get()).as("500 queued commands share a few writes (batches of %d), not one fsync each", Engine.BATCH)
                .isBetween(2, 4);
        assertThat(store.real.load().roles()).as("every acknowledged command is on disk").hasSize(499);
        assertThat(engine.index()).isEqualTo(store.writes.get());
    }

    @Test
    void agents_commands_are_applied_before_clients_commands_that_queued_earlier() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), new Breakable(dir), Clock.systemUTC());
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        var held = holdOwner(hold);
        java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.List<java.util.concurrent.CompletableFuture<?>> all = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String name = "client-" + i;
            all.add(engine.command((s, now) -> order.add(name)));
        }
        all.add(engine.commandFirst((s, now) -> order.add("agent")));
        hold.countDown();
        held.get(10, TimeUnit.SECONDS);
        for (var f : all) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(order).hasSize(601);
        assertThat(order.get(0)).as("the agent's command, queued last behind 600 clients' (more than two batches), goes first").isEqualTo("agent");
    }

    @Test
    void when_the_store_fails_the_engine_stops_taking_changes_and_the_api_answers_503() throws Exception {
        Breakable store = new Breakable(dir);
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), store, Clock.systemUTC());
        store.broken.set(true);
        var spec = new AgentRegistration("m", "1", "1g", null, null, null, null, null, null).parse();
        assertThatThrownBy(() -> engine.command((s, now) -> s.registerAgent(spec, "h", now)).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(EngineFailed.class).hasMessageContaining("disk full");
        store.broken.set(false);
        assertThatThrownBy(() -> engine.command((s, now) -> null).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(EngineFailed.class);
        ApiResponse r = Api.error(new java.util.concurrent.CompletionException(new EngineFailed(new IllegalStateException("disk full"))));
        assertThat(r.status()).isEqualTo(503);
        assertThat(engine.failed()).isTrue();
        assertThat(store.real.load().agents()).as("nothing half-written").isEmpty();
    }

    @Test
    void a_blocking_wait_ends_at_its_deadline_with_the_current_index() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> "x"), new Breakable(dir), Clock.systemUTC());
        long t0 = System.nanoTime();
        assertThat(engine.awaitIndex(0, Duration.ofMillis(200)).get(10, TimeUnit.SECONDS)).isEqualTo(0);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(150_000_000L);
        assertThat(engine.parkedQueries()).as("a wait that ended is not counted").isZero();
        var woken = engine.awaitIndex(engine.index(), Duration.ofMinutes(5));
        engine.read(s -> null).get(10, TimeUnit.SECONDS);
        assertThat(engine.parkedQueries()).isEqualTo(1);
        engine.command((s, now) -> s.putRole("ci", new RoleSpec(1.0, null, null).parse())).get(10, TimeUnit.SECONDS);
        woken.get(10, TimeUnit.SECONDS);
        assertThat(engine.parkedQueries()).as("nor one a change woke").isZero();
    }

    @Test
    void a_stalled_allocator_gives_its_agents_a_fresh_grace_instead_of_losing_them() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofSeconds(1)), () -> java.util.UUID.randomUUID().toString()),
                new Breakable(dir), Clock.systemUTC());
        var spec = new AgentRegistration("m", "1", "1g", null, null, null, null, null, null).parse();
        String id = engine.command((s, now) -> s.registerAgent(spec, "h", now).id()).get(10, TimeUnit.SECONDS);
        engine.startTicker(Duration.ofMillis(50), Duration.ofMillis(250));
        // the owner thread stalls for three graces: no heartbeat could have been heard meanwhile
        engine.read(s -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }).get(10, TimeUnit.SECONDS);
        org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> engine.read(s -> s.agent(id).status()).get().name().equals("READY"));
        // the agent stays silent: now the grace runs out on a responsive allocator, and it is lost
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.read(s -> s.agent(id).status()).get().name().equals("LOST"));
    }

    @Test
    void a_clock_stepped_forward_gives_agents_a_fresh_grace_instead_of_losing_them() throws Exception {
        java.util.concurrent.atomic.AtomicLong ahead = new java.util.concurrent.atomic.AtomicLong();
        Clock stepped = new Clock() { // the system clock, stepped forward by 'ahead' ms (as NTP may do)
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return Clock.systemUTC().instant().plusMillis(ahead.get());
            }
        };
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofSeconds(2)), () -> java.util.UUID.randomUUID().toString()),
                new Breakable(dir), stepped);
        var spec = new AgentRegistration("m", "1", "1g", null, null, null, null, null, null).parse();
        String id = engine.command((s, now) -> s.registerAgent(spec, "h", now).id()).get(10, TimeUnit.SECONDS);
        engine.startTicker(Duration.ofMillis(50), Duration.ofMillis(500));
        ahead.set(60_000); // a minute ahead at once: no agent fell silent for a minute
        org.awaitility.Awaitility.await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5))
                .until(() -> engine.read(s -> s.agent(id).status()).get().name().equals("READY"));
        // the agent stays silent: its fresh grace runs out in the new time, and it is lost
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.read(s -> s.agent(id).status()).get().name().equals("LOST"));
    }

    @Test
    void the_state_is_refused_to_any_thread_but_its_owner() throws Exception {
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> "x"), new Breakable(dir), Clock.systemUTC());
        java.lang.reflect.Method apply = Engine.class.getDeclaredMethod("apply", Engine.Command.class);
        apply.setAccessible(true);
        assertThatThrownBy(() -> apply.invoke(engine, (Engine.Command<Object>) (s, now) -> null))
                .hasCauseInstanceOf(IllegalStateException.class).cause().hasMessageContaining("off its owner thread");
    }
}
