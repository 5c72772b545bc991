package dev.steward.cli;

import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import dev.steward.api.Verdict;
import dev.steward.client.ReplacedFiles;
import dev.steward.client.StewardClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward monitor APP --env ENV --gates 'error-rate < 1%' --duration 5m}: watches the service
 * with SLO gates and prints each evaluation live; writes the JSON and HTML reports with
 * {@code --report DIR}. Exit codes: 0 pass, 1 fail, 4 inconclusive, 2 usage.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Watch a service with SLO gates for a while and give a verdict. Exit codes: 0 pass, 1 fail, 4 inconclusive, 2 usage.",
                "Gates: 'error-rate < 1%%', 'p99 < 250ms', 'restarts <= 2', 'healthy >= 80%%', 'memory < 256m', 'cpu < 0.5', 'log-errors < 5/min'."})
final class MonitorCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
    String env;
    @Option(names = "--gates", required = true, description = "A gate (repeatable)")
    List<String> gates;
    @Option(names = "--duration", description = "How long to watch. Default: 5m")
    String duration;
    @Option(names = "--interval", description = "How often to evaluate. Default: 10s, or --duration when shorter")
    String interval;
    @Option(names = "--window", description = "The window each evaluation looks at. Default: 1m")
    String window;
    @Option(names = "--failure-limit", description = "Failed evaluations tolerated per gate. Default: 0")
    Integer failureLimit;
    @Option(names = "--metrics-path", description = "Default: /metrics")
    String metricsPath;
    @Option(names = "--metrics-port", description = "Named port of the metrics. Default: the instance's first")
    String metricsPort;
    @Option(names = "--requests-metric", description = "Default: http_requests_total")
    String requestsMetric;
    @Option(names = "--error-status", description = "Regular expression over the status label. Default: 5..")
    String errorStatus;
    @Option(names = "--status-label", description = "The label of --requests-metric holding the HTTP status. Default: status")
    String statusLabel;
    @Option(names = "--log-pattern", description = "Log lines matching this regular expression count as errors (log gates). Default: ERROR|Exception")
    String logPattern;
    @Option(names = "--latency-metric", description = "Default: http_request_duration_seconds")
    String latencyMetric;
    @Option(names = "--rollback-on-fail", description = "On fail, roll the service back to its previous stable revision")
    boolean rollback;
    @Option(names = "--report", description = "Directory to write monitor.json and monitor.html into")
    Path report;
    @Mixin
    Connection conn;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        MonitorSpec spec = new MonitorSpec(gates, duration, interval, window, failureLimit, metricsPath, metricsPort, requestsMetric, statusLabel, errorStatus,
                latencyMetric, logPattern, rollback ? Boolean.TRUE : null);
        StewardClient c = conn.client();
        MonitorReport started;
        try {
            started = c.monitors().start(app, env, spec);
        } catch (dev.steward.client.StewardException e) {
            throw DeployCommand.usage(command, e);
        }
        if (!conn.json()) {
            System.out.println("monitoring " + started.service() + " until " + started.endsAt() + " (monitor " + started.id() + ")");
        }
        int[] shown = {0};
        MonitorReport r = c.monitors().follow(started.id(), spec.durationValue().plus(Duration.ofMinutes(1)), m -> {
            if (conn.json() || m.gates().isEmpty()) {
                return;
            }
            int n = m.gates().get(0).evaluations();
            if (n > shown[0]) {
                shown[0] = n;
                StringBuilder line = new StringBuilder(String.format("#%-3d", n));
                for (GateReport g : m.gates()) {
                    GateReport.Point p = g.points().get(g.points().size() - 1);
                    line.append("  ").append(g.gate()).append(": ").append(p.value() == null ? "no data" : g.lastText())
                            .append(p.value() == null ? "" : p.passed() ? " ok" : " FAILED");
                }
                System.out.println(line);
            }
        });
        if (report != null) {
            Files.createDirectories(report);
            ReplacedFiles.write(report.resolve("monitor.html"), c.monitors().html(r.id()).getBytes(StandardCharsets.UTF_8), ReplacedFiles.SHARED);
            ReplacedFiles.write(report.resolve("monitor.json"), Output.string(r).getBytes(StandardCharsets.UTF_8), ReplacedFiles.SHARED);
        }
        if (conn.json()) {
            Output.json(r);
        } else {
            System.out.println((r.verdict() == null ? "RUNNING" : r.verdict()) + ": " + r.reason());
            if (r.rolledBack() != null) {
                System.out.println(r.rolledBack());
            }
            if (report != null) {
                System.out.println("reports: " + report.resolve("monitor.html") + ", " + report.resolve("monitor.json"));
            }
        }
        return r.verdict() == Verdict.PASS ? 0 : r.verdict() == Verdict.FAIL ? 1 : 4;
    }
}
