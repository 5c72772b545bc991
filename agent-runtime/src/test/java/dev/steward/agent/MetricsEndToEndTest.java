package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The metrics of a real allocator and a real agent running a real task: every metric the
 * Grafana dashboard and the alert rules in docs/observability/ name exists in their
 * {@code /metrics} output (the HA ones, which only replicated servers have, are checked by the ha
 * module's HaMetricsTest), and docs/observability.md describes every metric they expose.
 */
class MetricsEndToEndTest {
    static final Path DOCS = Path.of("..", "docs", "observability");
    private Cluster c;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    /** Every {@code steward_...} name in the dashboard's and the alert rules' expressions. */
    static Set<String> referenced() throws IOException {
        Set<String> names = new TreeSet<>();
        JsonNode dash = dev.steward.allocator.Json.MAPPER.readTree(DOCS.resolve("grafana-dashboard.json").toFile());
        StringBuilder exprs = new StringBuilder();
        dash.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.append(t.path("expr").asText()).append('\n')));
        exprs.append(Files.readString(DOCS.resolve("prometheus-alerts.yml")).lines().filter(l -> l.trim().startsWith("expr:"))
                .reduce("", (a, b) -> a + b + "\n"));
        Matcher m = Pattern.compile("\\bsteward_[a-z0-9_]+").matcher(exprs);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** The sample names of a scrape (histograms as their _bucket, _count and _sum). */
    static Set<String> sampleNames(String text) {
        Set<String> out = new TreeSet<>();
        text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l -> out.add(l.split("[{ ]", 2)[0]));
        return out;
    }

    /** The metric families a scrape describes (its # TYPE lines). */
    static Set<String> families(String text) {
        Set<String> out = new TreeSet<>();
        text.lines().filter(l -> l.startsWith("# TYPE ")).forEach(l -> out.add(l.split(" ")[2]));
        return out;
    }

    private String scrape(String url, String token, int expect) throws IOException {
        Request.Builder b = new Request.Builder().url(url);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try (Response r = c.http.newCall(b.build()).execute()) {
            String body = r.body().string();
            assertThat(r.code()).as(body).isEqualTo(expect);
            return body;
        }
    }

    @Test
    void every_metric_the_dashboard_and_the_alerts_name_exists_and_every_metric_is_documented() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        assumeTrue("root".equals(System.getProperty("user.name")), "per-task cpu and memory come from cgroups, which need root");
        c = new Cluster();
        Agent a = c.agent("m1", Map.of("disk-check-interval", "500ms"));
        String alloc = c.allocate("0.5", "256m", "http");
        String web = c.task(alloc, "{\"name\":\"web\",\"command\":\"sh\",\"args\":[\"-c\",\"exec python3 -u -m http.server --bind 127.0.0.1 $PORT_HTTP\"],"
                + "\"healthCheck\":{\"type\":\"http\",\"port\":\"http\",\"path\":\"/\",\"interval\":\"300ms\",\"timeout\":\"250ms\",\"grace\":\"30s\"}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(web).path("healthy").asBoolean(false));
        c.call("POST", "/v1/requests", "{\"cpus\":\"999\",\"memory\":\"1g\"}"); // pending: no agent has 999 cpus
        c.call("PUT", "/v1/roles/team", "{\"weight\":1,\"guarantee\":{\"cpus\":\"0.5\"},\"limit\":{\"cpus\":\"1\"}}");

        String serverToken = Files.readString(c.root.resolve("server").resolve("metrics.token")).trim();
        String agentToken = Files.readString(c.root.resolve("agent-m1").resolve("metrics.token")).trim();
        String agentUrl = "http://127.0.0.1:" + a.logAddress().getPort() + "/metrics";
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            String m = scrape(agentUrl, agentToken, 200);
            return m.contains("steward_agent_task_memory_bytes{task=\"" + web + "\"}") && m.contains("steward_agent_task_disk_bytes{task=\"" + web + "\"}");
        });
        String server = scrape(c.server.url() + "/metrics", serverToken, 200);
        String agent = scrape(agentUrl, agentToken, 200);

        Set<String> exposed = new TreeSet<>(sampleNames(server));
        exposed.addAll(sampleNames(agent));
        Set<String> wanted = referenced();
        assertThat(wanted).hasSizeGreaterThan(30);
        Set<String> missing = new TreeSet<>(wanted);
        // the HA gauges come from replicated servers (HaMetricsTest); certificates' ends from servers and agents on TLS (TlsClusterTest)
        missing.removeIf(n -> exposed.contains(n) || n.startsWith("steward_ha_") || n.contains("_tls_certificate_"));
        assertThat(missing).as("named by the dashboard or the alerts, absent from /metrics").isEmpty();

        String doc = Files.readString(Path.of("..", "docs", "observability.md"));
        Set<String> all = new TreeSet<>(families(server));
        all.addAll(families(agent));
        assertThat(all).hasSizeGreaterThan(30).allSatisfy(f -> assertThat(doc).as("docs/observability.md describes %s", f).contains("`" + f));

        // Prometheus's own linter on the real output, where Debian's prometheus package is installed (.ci/run installs it)
        if (Files.isExecutable(PROMTOOL)) {
            assertThat(promtool(server, "check", "metrics")).as("promtool check metrics on the allocator's output").isEmpty();
            assertThat(promtool(agent, "check", "metrics")).as("promtool check metrics on the agent's output").isEmpty();
        }

        // the launch's stages on the agent, in order, each timed (what AgentBench prints)
        var stages = a.launchTimes(web);
        assertThat(stages.keySet()).containsExactly(LaunchTimes.Stage.values());
        assertThat(new java.util.ArrayList<>(stages.values())).isSorted();
        assertThat(agent).contains("steward_agent_task_launch_stage_seconds_count{stage=\"spawned\"} 1", "stage=\"acknowledged\"");

        // what the task's figures say
        assertThat(agent).contains("steward_agent_tasks{phase=\"running\"} 1.0");
        assertThat(agent).containsPattern("steward_agent_health_checks_total\\{result=\"pass\"} [1-9]");
        assertThat(agent).contains("steward_agent_task_launch_duration_seconds_count 1");
        // 999 cpus would take what team's guarantee keeps: that reason comes before any agent is looked at
        assertThat(server).contains("steward_requests_pending{reason=\"guarantees\",role=\"default\"} 1.0");
    }

    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    /** Runs promtool with {@code stdin}; returns what it printed when it failed ("" when it passed). */
    static String promtool(String stdin, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(PROMTOOL.toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            return p.exitValue() == 0 ? "" : out;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void the_alert_rules_load_and_fire_when_they_should() throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed (Debian's prometheus package; .ci/run installs it)");
        Path rules = DOCS.resolve("prometheus-alerts.yml").toAbsolutePath().normalize();
        assertThat(promtool("", "check", "rules", rules.toString())).isEmpty();
        Path dir = Files.createTempDirectory("steward-alerts");
        try {
            String test = new String(getClass().getResourceAsStream("/prometheus-alerts-test.yml").readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("RULES", rules.toString());
            Path file = Files.writeString(dir.resolve("alerts-test.yml"), test);
            assertThat(promtool("", "test", "rules", file.toString())).isEmpty();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void the_agents_metrics_ask_for_its_token_unless_open() throws Exception {
        c = new Cluster();
        Agent a = c.agent("m1", Map.of());
        Agent open = c.agent("m2", Map.of("metrics", "open"));
        String url = "http://127.0.0.1:" + a.logAddress().getPort() + "/metrics";
        String token = Files.readString(c.root.resolve("agent-m1").resolve("metrics.token")).trim();
        assertThat(scrape(url, null, 401)).contains("metrics token");
        assertThat(scrape(url, c.server.adminToken(), 403)).contains("may not read");
        assertThat(scrape(url, Files.readString(c.root.resolve("agent-m2").resolve("metrics.token")).trim(), 403)).contains("may not read");
        assertThat(scrape(url, token, 200)).contains("steward_agent_tasks");
        assertThat(scrape("http://127.0.0.1:" + open.logAddress().getPort() + "/metrics", null, 200)).contains("steward_agent_tasks");
        // the metrics token opens nothing else on the agent: its logs still want the allocator's signature
        assertThat(scrape("http://127.0.0.1:" + a.logAddress().getPort() + "/v1/tasks/x/logs", token, 401)).contains("signature");
    }
}
