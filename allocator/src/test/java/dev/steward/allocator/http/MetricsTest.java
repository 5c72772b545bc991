package dev.steward.allocator.http;

import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /metrics} on a real allocator: who may read it, and that its figures follow what the cluster does. */
class MetricsTest {
    private LiveServer s;

    @AfterEach
    void close() {
        if (s != null) {
            s.close();
        }
    }

    /** One sample line: its name, labels and value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            assertThat(m.matches()).as("a sample line: %s", line).isTrue();
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return out;
    }

    private String scrape(String token, int expect) throws IOException {
        Request.Builder b = new Request.Builder().url(s.server.url() + "/metrics");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try (Response r = s.http.newCall(b.build()).execute()) {
            String body = r.body().string();
            assertThat(r.code()).as(body).isEqualTo(expect);
            if (expect == 200) {
                assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
            }
            return body;
        }
    }

    private static double value(List<Sample> samples, String name, String... labels) {
        return samples.stream().filter(x -> x.name().equals(name)).filter(x -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(x.labels().get(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).mapToDouble(Sample::value).sum();
    }

    @Test
    void the_metrics_token_and_the_admin_read_metrics_and_nothing_else_does() throws Exception {
        s = new LiveServer();
        String metrics = Files.readString(s.dir.resolve("metrics.token")).trim();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(s.dir.resolve("metrics.token")))).isEqualTo("rw-------");
        s.put("/v1/roles/ra", s.admin(), "{\"weight\":1}");
        String ra = s.post("/v1/roles/ra/tokens", s.admin(), "{}").body().path("token").asText();

        assertThat(scrape(null, 401)).contains("metrics token");
        assertThat(scrape(ra, 403)).contains("may not GET /metrics");
        assertThat(scrape(s.server.joinToken(), 403)).contains("may not GET /metrics");
        scrape(metrics, 200);
        scrape(s.admin(), 200);
        // the metrics token is a key to /metrics only
        assertThat(s.get("/v1/status", metrics).code()).isEqualTo(403);
        assertThat(s.get("/v1/services", metrics).code()).isEqualTo(403);
        assertThat(s.put("/v1/roles/rx", metrics, "{\"weight\":1}").code()).isEqualTo(403);
    }

    @Test
    void open_metrics_need_no_token() throws Exception {
        s = new LiveServer(c -> c.withMetricsOpen(true));
        assertThat(parse(scrape(null, 200))).isNotEmpty();
    }

    @Test
    void the_figures_follow_the_cluster() throws Exception {
        s = new LiveServer();
        String admin = s.admin();
        s.agent("m1", "4", "8g");
        String[] m2 = s.agent("m2", "2", "4g");
        s.post("/v1/agents/" + m2[0] + "/drain", admin, "{}");
        s.put("/v1/roles/ra", admin, "{\"weight\":2,\"guarantee\":{\"cpus\":\"2\"},\"limit\":{\"cpus\":\"3\",\"memory\":\"6g\"}}");
        String ra = s.post("/v1/roles/ra/tokens", admin, "{}").body().path("token").asText();
        assertThat(s.post("/v1/requests", ra, "{\"cpus\":\"1\",\"memory\":\"1g\",\"ttl\":\"1h\"}").code()).isEqualTo(201);
        assertThat(s.post("/v1/requests", ra, "{\"cpus\":\"1\",\"memory\":\"1g\",\"ttl\":\"1h\",\"count\":2}").code()).isEqualTo(201);
        // over the role's limit: pending for the limit; too large for any agent: pending for cpus (the default role)
        assertThat(s.post("/v1/requests", ra, "{\"cpus\":\"1\",\"memory\":\"1g\",\"ttl\":\"1h\"}").code()).isEqualTo(201);
        assertThat(s.post("/v1/requests", admin, "{\"cpus\":\"16\",\"memory\":\"1g\",\"ttl\":\"1h\"}").code()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            s.get("/v1/requests/r-" + i, ra); // 404s under one route template, not three raw paths
        }

        List<Sample> m = parse(scrape(admin, 200));
        assertThat(value(m, "steward_agents", "state", "ready")).isEqualTo(1);
        assertThat(value(m, "steward_agents", "state", "draining")).isEqualTo(1);
        assertThat(value(m, "steward_agents", "state", "lost")).isEqualTo(0);
        assertThat(value(m, "steward_placements_total")).isEqualTo(3);
        assertThat(value(m, "steward_allocations", "state", "allocated")).isEqualTo(3);
        assertThat(value(m, "steward_requests_pending", "role", "ra", "reason", "role_limit")).isEqualTo(1);
        assertThat(value(m, "steward_requests_pending", "role", "default", "reason", "insufficient_cpus")).isEqualTo(1);
        assertThat(value(m, "steward_placement_failures_total", "reason", "role_limit")).isGreaterThanOrEqualTo(1);
        assertThat(value(m, "steward_role_weight", "role", "ra")).isEqualTo(2);
        assertThat(value(m, "steward_role_dominant_share", "role", "ra")).isEqualTo(3.0 / 6 / 2); // 3 of the 6 cpus (a draining agent's count), weight 2
        assertThat(value(m, "steward_role_guarantee_used_ratio", "role", "ra", "resource", "cpus")).isEqualTo(1.5);
        assertThat(value(m, "steward_role_limit_used_ratio", "role", "ra", "resource", "cpus")).isEqualTo(1.0);
        assertThat(value(m, "steward_role_limit_used_ratio", "role", "ra", "resource", "memory")).isEqualTo(0.5);
        assertThat(value(m, "steward_cluster_capacity", "resource", "cpus")).isEqualTo(6);
        assertThat(value(m, "steward_cluster_allocated", "resource", "memory")).isEqualTo(3.0 * 1024 * 1024 * 1024);
        assertThat(value(m, "steward_http_requests_total", "route", "/v1/requests", "method", "POST", "status", "201")).isEqualTo(4);
        assertThat(value(m, "steward_http_requests_total", "route", "/v1/requests/{id}", "method", "GET", "status", "404")).isEqualTo(3);
        assertThat(value(m, "steward_http_request_duration_seconds_count", "route", "/v1/requests", "method", "POST")).isEqualTo(4);
        assertThat(value(m, "steward_store_write_duration_seconds_count")).isGreaterThan(0);
        assertThat(value(m, "steward_scheduler_cycle_duration_seconds_count")).isGreaterThan(0);
        assertThat(value(m, "steward_store_write_errors_total")).isEqualTo(0);
        assertThat(m.stream().filter(x -> x.name().equals("steward_engine_queue_depth"))).hasSize(1);
        assertThat(value(m, "steward_parked_queries")).isZero();
        assertThat(value(m, "steward_engine_busy_seconds_total")).isGreaterThan(0);
        // route labels are templates: no id, no unknown path
        assertThat(m.stream().map(x -> x.labels().get("route")).filter(java.util.Objects::nonNull).distinct())
                .allMatch(r -> r.equals(RequestTrace.UNMATCHED) || s.server.api().routes().stream().anyMatch(rt -> rt.template().equals(r)));
    }

    @Test
    void a_request_id_is_echoed_or_made() throws Exception {
        s = new LiveServer();
        try (Response r = s.http.newCall(new Request.Builder().url(s.server.url() + "/v1/health").header("X-Request-Id", "build-42.step-3").build()).execute()) {
            assertThat(r.header("X-Request-Id")).isEqualTo("build-42.step-3");
        }
        try (Response r = s.http.newCall(new Request.Builder().url(s.server.url() + "/v1/nowhere").build()).execute()) {
            assertThat(r.code()).isEqualTo(404);
            assertThat(r.header("X-Request-Id")).matches("[0-9a-f]{32}");
        }
        // an id that could forge a log line is replaced
        try (Response r = s.http.newCall(new Request.Builder().url(s.server.url() + "/v1/health").header("X-Request-Id", "a b").build()).execute()) {
            assertThat(r.header("X-Request-Id")).matches("[0-9a-f]{32}");
        }
    }
}
