package dev.steward.monitor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Gate measurement over recorded series, time injected. */
class EvaluatorTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final Evaluator e = new Evaluator(Evaluator.MetricNames.defaults(2));

    private static Snapshot.Instance requests(double ok, double errors) {
        return new Snapshot.Instance(List.of(new Sample("http_requests_total", Map.of("status", "200"), ok),
                new Sample("http_requests_total", Map.of("status", "503"), errors)), true, 0, 100L, 0);
    }

    @Test
    void errorRateIsTheShareOfErrorsInTheIncreaseOverTheWindowAcrossACounterReset() {
        List<Snapshot> h = new ArrayList<>();
        h.add(new Snapshot(T0, Map.of("a", requests(100, 0), "b", requests(50, 0))));
        h.add(new Snapshot(T0.plusSeconds(10), Map.of("a", requests(190, 10), "b", requests(100, 0))));
        // instance a restarted: its counters start again from zero
        h.add(new Snapshot(T0.plusSeconds(20), Map.of("a", requests(40, 3), "b", requests(150, 0))));
        Measurement m = e.measure(Gate.parse("g", "error-rate < 1%"), h, T0.plusSeconds(20), Duration.ofMinutes(1));
        // increases: a ok 90 + 40 = 130, a errors 10 + 3 = 13, b ok 100 -> 13 / 243
        assertThat(m.value()).isCloseTo(13.0 / 243, within(1e-9));
        assertThat(m.passed()).isFalse();
        assertThat(e.measure(Gate.parse("g", "error-rate < 10%"), h, T0.plusSeconds(20), Duration.ofMinutes(1)).passed()).isTrue();
        // the window leaves out what came before it
        Measurement late = e.measure(Gate.parse("g", "error-rate < 1%"), h, T0.plusSeconds(20), Duration.ofSeconds(10));
        assertThat(late.value()).isCloseTo(3.0 / 93, within(1e-9));
    }

    @Test
    void missingDataIsNoDataNeverAPass() {
        Snapshot.Instance down = new Snapshot.Instance(null, false, 0, null, 0);
        List<Snapshot> h = List.of(new Snapshot(T0, Map.of("a", down)), new Snapshot(T0.plusSeconds(10), Map.of("a", down)));
        Measurement m = e.measure(Gate.parse("g", "error-rate < 1%"), h, T0.plusSeconds(10), Duration.ofMinutes(1));
        assertThat(m.noData()).isTrue();
        assertThat(m.passed()).isFalse();
        assertThat(m.detail()).contains("no http_requests_total samples");
        List<Snapshot> idle = List.of(new Snapshot(T0, Map.of("a", requests(5, 0))), new Snapshot(T0.plusSeconds(10), Map.of("a", requests(5, 0))));
        assertThat(e.measure(Gate.parse("g", "error-rate < 1%"), idle, T0.plusSeconds(10), Duration.ofMinutes(1)).detail()).isEqualTo("no requests in the window");
        assertThat(e.measure(Gate.parse("g", "memory < 10m"), h, T0.plusSeconds(10), Duration.ofMinutes(1)).noData()).isTrue();
    }

    @Test
    void histogramQuantilesFollowPrometheus() {
        TreeMap<Double, Double> b = new TreeMap<>(Map.of(0.1, 50.0, 0.2, 80.0, 0.5, 95.0, 1.0, 100.0, Double.POSITIVE_INFINITY, 100.0));
        assertThat(Evaluator.quantile(0.5, b)).isCloseTo(0.1, within(1e-9));
        assertThat(Evaluator.quantile(0.9, b)).isCloseTo(0.2 + 0.3 * (90 - 80) / 15.0, within(1e-9));
        assertThat(Evaluator.quantile(0.99, b)).isCloseTo(0.5 + 0.5 * (99 - 95) / 5.0, within(1e-9));
        TreeMap<Double, Double> overflow = new TreeMap<>(Map.of(0.1, 1.0, Double.POSITIVE_INFINITY, 10.0));
        assertThat(Evaluator.quantile(0.99, overflow)).as("in the +Inf bucket: the highest finite bound").isEqualTo(0.1);

        List<Snapshot> h = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            double n = k * 100;
            h.add(new Snapshot(T0.plusSeconds(10L * k), Map.of("a", new Snapshot.Instance(List.of(
                    new Sample("http_request_duration_seconds_bucket", Map.of("le", "0.1"), n * 0.9),
                    new Sample("http_request_duration_seconds_bucket", Map.of("le", "0.5"), n * 0.99),
                    new Sample("http_request_duration_seconds_bucket", Map.of("le", "+Inf"), n)), true, 0, null, 0))));
        }
        Measurement p99 = e.measure(Gate.parse("g", "p99 < 250ms"), h, T0.plusSeconds(20), Duration.ofMinutes(1));
        assertThat(p99.value()).isCloseTo(0.5, within(1e-9));
        assertThat(p99.passed()).isFalse();
        assertThat(e.measure(Gate.parse("g", "p50 < 250ms"), h, T0.plusSeconds(20), Duration.ofMinutes(1)).passed()).isTrue();
    }

    @Test
    void restartsHealthyMemoryAndLogErrors() {
        List<Snapshot> h = List.of(
                new Snapshot(T0, Map.of("a", new Snapshot.Instance(List.of(), true, 1, 100L, 3), "b", new Snapshot.Instance(List.of(), true, 0, 120L, 0))),
                new Snapshot(T0.plusSeconds(60), Map.of("a", new Snapshot.Instance(List.of(), false, 3, 300L, 13),
                        "b", new Snapshot.Instance(List.of(), true, 0, 150L, 2))));
        Instant now = T0.plusSeconds(60);
        assertThat(e.measure(Gate.parse("g", "restarts <= 1"), h, now, Duration.ofMinutes(5)).value()).isEqualTo(2.0);
        assertThat(e.measure(Gate.parse("g", "healthy >= 80%"), h, now, Duration.ofMinutes(5)).value()).isEqualTo(0.5);
        Measurement mem = e.measure(Gate.parse("g", "memory < 256m"), h, now, Duration.ofMinutes(5));
        assertThat(mem.value()).isEqualTo(300.0);
        assertThat(mem.passed()).isFalse();
        assertThat(e.measure(Gate.parse("g", "log-errors < 5/min"), h, now, Duration.ofMinutes(5)).value()).isEqualTo(12.0);
        List<Snapshot> cpu = List.of(new Snapshot(T0, Map.of("a", new Snapshot.Instance(List.of(), true, 0, null, 0, 1000))),
                new Snapshot(T0.plusSeconds(10), Map.of("a", new Snapshot.Instance(List.of(), true, 0, null, 0, 4000))));
        Measurement c = e.measure(Gate.parse("g", "cpu < 0.5"), cpu, T0.plusSeconds(10), Duration.ofMinutes(1));
        assertThat(c.value()).isEqualTo(0.3);
        assertThat(c.passed()).isTrue();
    }

    @Test
    void theHealthyGateCountsThoseWantedSoARollingUpdatesSurgeDoesNotFailIt() {
        Evaluator three = new Evaluator(Evaluator.MetricNames.defaults(3));
        Snapshot.Instance ok = new Snapshot.Instance(List.of(), true, 0, null, 0);
        Snapshot.Instance starting = new Snapshot.Instance(List.of(), false, 0, null, 0);
        // a rolling update of 3 with one surge instance still starting: 3 healthy of 3 wanted
        List<Snapshot> surge = List.of(new Snapshot(T0, Map.of("a", ok, "b", ok, "c", ok, "d", starting)));
        Measurement m = three.measure(Gate.parse("g", "healthy >= 80%"), surge, T0, Duration.ofMinutes(1));
        assertThat(m.value()).isEqualTo(1.0);
        assertThat(m.passed()).isTrue();
        assertThat(m.detail()).contains("3 of 3 wanted instances healthy").contains("4 running, surge included");
        // four healthy while the old one stops: still 100%, not 133%
        assertThat(three.measure(Gate.parse("g", "healthy >= 80%"), List.of(new Snapshot(T0, Map.of("a", ok, "b", ok, "c", ok, "d", ok))), T0,
                Duration.ofMinutes(1)).value()).isEqualTo(1.0);
        // fewer than wanted running: the missing ones count as unhealthy
        assertThat(three.measure(Gate.parse("g", "healthy >= 80%"), List.of(new Snapshot(T0, Map.of("a", ok, "b", ok))), T0,
                Duration.ofMinutes(1)).value()).isCloseTo(2 / 3.0, within(1e-9));
    }

    @Test
    void gatesAreParsedOrRefusedNamingTheField() {
        assertThat(Gate.parse("gates[0]", "p99 < 250ms").quantile()).isEqualTo(0.99);
        assertThat(Gate.parse("gates[0]", "p999 < 1s").quantile()).isEqualTo(0.999);
        assertThat(Gate.parse("gates[0]", "error-rate<0.5%").bound()).isEqualTo(0.005);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gate.parse("gates[1]", "happiness > 3"))
                .hasMessageStartingWith("gates[1]: 'happiness' is not a signal");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gate.parse("gates[2]", "errors are bad"))
                .hasMessageStartingWith("gates[2]: 'errors are bad' is not a gate");
    }
}
