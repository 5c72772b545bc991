package dev.steward.monitor;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PromTextTest {

    @Test
    void readsWhatThePrometheusClientLibraryWrites() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter requests = Counter.builder().name("http_requests_total").help("requests").labelNames("status", "path").register(registry);
        Histogram latency = Histogram.builder().name("http_request_duration_seconds").help("latency").classicOnly()
                .classicUpperBounds(0.01, 0.1, 1).register(registry);
        Gauge up = Gauge.builder().name("app_up").help("up \"quoted\" \\ back").labelNames("version").register(registry);
        requests.labelValues("200", "/a\"b").inc(7);
        requests.labelValues("500", "/").inc(2);
        latency.observe(0.005);
        latency.observe(0.05);
        latency.observe(0.5);
        latency.observe(5);
        up.labelValues("v1\nbeta").set(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        String text = out.toString(StandardCharsets.UTF_8);

        PromText.Scrape s = PromText.parse(text);
        assertThat(s.samples()).contains(new Sample("http_requests_total", Map.of("status", "200", "path", "/a\"b"), 7),
                new Sample("http_requests_total", Map.of("status", "500", "path", "/"), 2),
                new Sample("http_request_duration_seconds_bucket", Map.of("le", "0.01"), 1),
                new Sample("http_request_duration_seconds_bucket", Map.of("le", "0.1"), 2),
                new Sample("http_request_duration_seconds_bucket", Map.of("le", "1.0"), 3),
                new Sample("http_request_duration_seconds_bucket", Map.of("le", "+Inf"), 4),
                new Sample("http_request_duration_seconds_count", Map.of(), 4),
                new Sample("app_up", Map.of("version", "v1\nbeta"), 1));
        assertThat(s.typeOf("http_requests_total")).isEqualTo("counter");
        assertThat(s.typeOf("http_request_duration_seconds_bucket")).isEqualTo("histogram");
        assertThat(s.typeOf("app_up")).isEqualTo("gauge");
    }

    @Test
    void readsTheExampleAppsOwnOutputAndEdgeCases() {
        PromText.Scrape s = PromText.parse("""
                # HELP x a metric
                # TYPE x gauge
                x 1.5 1700000000000
                y{a="1",} NaN
                z +Inf
                w{le="-Inf"} -Inf
                """);
        assertThat(s.samples()).hasSize(4);
        assertThat(s.samples().get(0)).isEqualTo(new Sample("x", Map.of(), 1.5));
        assertThat(s.samples().get(1).value()).isNaN();
        assertThat(s.samples().get(2).value()).isInfinite();
        assertThatThrownBy(() -> PromText.parse("ok 1\n{bad} 2")).hasMessage("line 2: expected a metric name at '{bad} 2'");
        assertThatThrownBy(() -> PromText.parse("m{a=1} 2")).hasMessageContaining("label a has no quoted value");
        assertThatThrownBy(() -> PromText.parse("m 1e")).hasMessage("line 1: '1e' is not a number");
    }
}
