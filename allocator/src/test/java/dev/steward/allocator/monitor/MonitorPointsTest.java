package dev.steward.allocator.monitor;

import dev.steward.allocator.engine.Engine;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.StateConfig;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;
import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.monitor.Judge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A long monitor's ticks each write a small summary and one row per gate; its report is assembled from them when read, after a restart too. */
class MonitorPointsTest {
    @TempDir
    Path dir;

    /** The real store, recording how many rows each write carries. */
    private static final class Counting implements Store {
        final SqliteStore real;
        final List<Integer> rowsPerWrite = new ArrayList<>();

        Counting(Path dir) {
            real = new SqliteStore(dir);
        }

        @Override
        public Loaded load() {
            return real.load();
        }

        @Override
        public void write(Batch b) {
            rowsPerWrite.add(b.puts().values().stream().mapToInt(java.util.Map::size).sum() + b.deletes().size());
            real.write(b);
        }

        @Override
        public void close() {
            real.close();
        }
    }

    private static MonitorReport report(int evaluations, List<GateReport.Point> points) {
        GateReport g = new GateReport("error-rate < 1%", null, 0, evaluations, 0, 0.1, "0.1%", "< 1%", "holds", points);
        return new MonitorReport("m1", "web/prod", null, true, null, "running", Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400), null, List.of(g), null, 0, 0);
    }

    @Test
    void each_tick_writes_the_same_few_rows_at_any_age_and_the_report_is_assembled_when_read() throws Exception {
        Counting store = new Counting(dir);
        Engine engine = new Engine(new ClusterState(StateConfig.DEFAULTS, () -> java.util.UUID.randomUUID().toString()), store, Clock.systemUTC());
        int ticks = Judge.MAX_POINTS + 640;
        Instant last = null;
        try {
            for (int t = 1; t <= ticks; t++) {
                Instant at = Instant.EPOCH.plusSeconds(10L * t);
                int n = t;
                List<GateReport.Point> all = List.of(new GateReport.Point(at, 0.1, true)); // what the judge's report carries this tick
                engine.command((s, now) -> {
                    s.monitors().put(report(n, all));
                    s.monitors().append("m1", 0, all.get(0));
                    return null;
                }).get(10, TimeUnit.SECONDS);
                last = at;
            }
            int tail = store.rowsPerWrite.get(store.rowsPerWrite.size() - 1);
            assertThat(tail).as("a tick late in a long monitor writes its summary, one point and one deletion").isEqualTo(3);
            assertThat(store.rowsPerWrite).as("no tick writes more than that").allMatch(n -> n <= 3);
            MonitorReport read = engine.read(s -> s.monitors().get("m1")).get(10, TimeUnit.SECONDS);
            assertThat(read.gates().get(0).evaluations()).isEqualTo(ticks);
            assertThat(read.gates().get(0).points()).hasSize(Judge.MAX_POINTS);
            assertThat(read.gates().get(0).points().get(Judge.MAX_POINTS - 1).at()).isEqualTo(last);
        } finally {
            engine.close();
        }

        Store.Loaded loaded;
        try (SqliteStore reopened = new SqliteStore(dir)) {
            loaded = reopened.load();
        }
        assertThat(loaded.monitors().get(0).gates().get(0).points()).as("the stored summary carries no points").isEmpty();
        assertThat(loaded.monitorPoints()).as("only the latest points are kept").hasSize(Judge.MAX_POINTS);
        ClusterState again = new ClusterState(StateConfig.DEFAULTS, () -> "x");
        again.monitors().restore(loaded.monitors(), loaded.monitorPoints());
        MonitorReport restored = again.monitors().get("m1");
        assertThat(restored.gates().get(0).points()).hasSize(Judge.MAX_POINTS);
        assertThat(restored.gates().get(0).points().get(0).at()).isEqualTo(Instant.EPOCH.plusSeconds(10L * (ticks - Judge.MAX_POINTS + 1)));
        assertThat(restored.gates().get(0).points().get(Judge.MAX_POINTS - 1).at()).isEqualTo(last);
    }
}
