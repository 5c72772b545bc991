package dev.steward.monitor;

import dev.steward.api.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JudgeTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final Evaluator e = new Evaluator(Evaluator.MetricNames.defaults(1));

    private static Snapshot at(int s, double ok, double err) {
        return new Snapshot(T0.plusSeconds(s), Map.of("a", new Snapshot.Instance(List.of(new Sample("http_requests_total", Map.of("status", "200"), ok),
                new Sample("http_requests_total", Map.of("status", "500"), err)), true, 0, null, 0)));
    }

    @Test
    void failsOnceMoreEvaluationsFailThanTolerated() {
        Judge j = new Judge(List.of(Gate.parse("g", "error-rate < 1%")), 1);
        List<Snapshot> h = new ArrayList<>(List.of(at(0, 0, 0)));
        h.add(at(10, 100, 5));
        j.evaluate(e, h, T0.plusSeconds(10), Duration.ofSeconds(10));
        assertThat(j.verdict(false)).as("one failure is tolerated").isNull();
        h.add(at(20, 200, 10));
        j.evaluate(e, h, T0.plusSeconds(20), Duration.ofSeconds(10));
        assertThat(j.verdict(false)).isEqualTo(Verdict.FAIL);
        assertThat(j.reason(false)).startsWith("error-rate < 1% failed 2 of 2 evaluations (1 tolerated); last 4.76%");
    }

    @Test
    void aResumedJudgeCountsTheEvaluationsMadeBeforeTheRestart() {
        Judge before = new Judge(List.of(Gate.parse("g", "error-rate < 1%")), 1);
        List<Snapshot> h = new ArrayList<>(List.of(at(0, 0, 0), at(10, 100, 5)));
        before.evaluate(e, h, T0.plusSeconds(10), Duration.ofSeconds(10));
        assertThat(before.verdict(false)).as("one failure is tolerated").isNull();
        var saved = before.reports(false); // what the allocator stored before it restarted

        Judge after = new Judge(List.of(Gate.parse("g", "error-rate < 1%")), 1, saved);
        assertThat(after.reports(false).get(0).evaluations()).isEqualTo(1);
        assertThat(after.reports(false).get(0).lastText()).isEqualTo("4.76%");
        List<Snapshot> fresh = new ArrayList<>(List.of(at(20, 200, 10), at(30, 300, 15))); // its samples were in memory: only new ones
        after.evaluate(e, fresh, T0.plusSeconds(30), Duration.ofSeconds(10));
        assertThat(after.verdict(false)).as("the failure before the restart still counts").isEqualTo(Verdict.FAIL);
        assertThat(after.reports(false).get(0).points()).hasSize(2);

        Judge other = new Judge(List.of(Gate.parse("g", "p99 < 250ms")), 1, saved);
        assertThat(other.reports(false).get(0).evaluations()).as("a different gate does not inherit the points").isZero();
    }

    @Test
    void aLongMonitorKeepsItsLatestPointsAndCountsEveryEvaluation() {
        Judge j = new Judge(List.of(Gate.parse("g", "error-rate < 1%")), 100_000);
        List<Snapshot> h = new ArrayList<>(List.of(at(0, 0, 0)));
        int n = 5_000;
        for (int t = 1; t <= n; t++) {
            h.add(at(10 * t, 100.0 * t, 50.0 * (t / 10))); // a burst of errors in every tenth interval
            if (h.size() > 3) {
                h.remove(0); // the runner keeps only the window's samples
            }
            j.evaluate(e, h, T0.plusSeconds(10L * t), Duration.ofSeconds(10));
        }
        var r = j.reports(false).get(0);
        assertThat(r.evaluations()).isEqualTo(n);
        assertThat(r.points()).as("what a report carries is bounded, whatever the monitor's length").hasSize(Judge.MAX_POINTS);
        assertThat(r.points().get(Judge.MAX_POINTS - 1).at()).isEqualTo(T0.plusSeconds(10L * n));
        assertThat(r.failures()).as("counts cover every evaluation, not only the %d points kept", Judge.MAX_POINTS).isEqualTo(n / 10);

        Judge resumed = new Judge(List.of(Gate.parse("g", "error-rate < 1%")), 100_000, j.reports(false));
        assertThat(resumed.reports(false).get(0).evaluations()).as("a resumed judge keeps the counts, not only the points").isEqualTo(n);
        assertThat(resumed.reports(false).get(0).failures()).isEqualTo(r.failures());
    }

    @Test
    void passesWhenEveryGateHeldAndIsInconclusiveWithoutData() {
        Judge ok = new Judge(List.of(Gate.parse("g", "error-rate < 1%")), 0);
        List<Snapshot> h = new ArrayList<>(List.of(at(0, 0, 0), at(10, 100, 0), at(20, 200, 0)));
        ok.evaluate(e, h, T0.plusSeconds(10), Duration.ofSeconds(10));
        ok.evaluate(e, h, T0.plusSeconds(20), Duration.ofSeconds(10));
        assertThat(ok.verdict(true)).isEqualTo(Verdict.PASS);
        assertThat(ok.reports(true).get(0).points()).hasSize(2);

        Judge none = new Judge(List.of(Gate.parse("g", "error-rate < 1%"), Gate.parse("g", "memory < 100m")), 0);
        none.evaluate(e, h, T0.plusSeconds(20), Duration.ofSeconds(10));
        assertThat(none.verdict(false)).isNull();
        assertThat(none.verdict(true)).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(none.reason(true)).contains("memory < 100m: no data");
    }
}
