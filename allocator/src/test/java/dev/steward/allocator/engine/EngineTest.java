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
        }

        @Override
        public void close() {
            real.close();
        }
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
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
    void when_the_store_fails_the_engine_stops_taking_changes_and_the_api_answers_503() throws Exception {
        Breakable store = new Breakable(dir);
        engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), store, Clock.systemUTC());
        store.broken.set(true);
        var spec = new AgentRegistration("m", "1", "1g", null, null, null, null, null, null).parse();
        assertThatThrownBy(() -> engine.command((s, now) -> s.registerAgent(spec, "h", now)).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(Engine.EngineFailed.class).hasMessageContaining("disk full");
        store.broken.set(false);
        assertThatThrownBy(() -> engine.command((s, now) -> null).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(Engine.EngineFailed.class);
        ApiResponse r = Api.error(new java.util.concurrent.CompletionException(new Engine.EngineFailed(new IllegalStateException("disk full"))));
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
    }
}
