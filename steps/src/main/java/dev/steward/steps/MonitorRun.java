package dev.steward.steps;

import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import dev.steward.api.Verdict;
import dev.steward.client.ReplacedFiles;
import dev.steward.client.StewardClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code monitor} step: start a monitor (or join one by its saved id), log each evaluation,
 * write {@code monitor.json} and {@code monitor.html} for archiving, and map the verdict to a
 * build result: pass is success, fail is failure, inconclusive is unstable (or failure, as
 * configured).
 */
public final class MonitorRun {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false).enable(SerializationFeature.INDENT_OUTPUT);
    private final StewardClient client;
    private final String id;
    private final StepListener listener;
    private int shown;

    public enum Result { SUCCESS, UNSTABLE, FAILURE }

    private MonitorRun(StewardClient client, String id, StepListener listener) {
        this.client = client;
        this.id = id;
        this.listener = listener;
    }

    public static MonitorRun start(StewardClient client, String app, String env, MonitorSpec spec, StepListener listener) throws IOException {
        MonitorReport r = client.monitors().start(app, env, spec);
        listener.line("steward: monitoring " + r.service() + " until " + r.endsAt() + " (monitor " + r.id() + "): " + String.join("; ", spec.gates()));
        return new MonitorRun(client, r.id(), listener);
    }

    public static MonitorRun join(StewardClient client, String id, StepListener listener) {
        return new MonitorRun(client, id, listener);
    }

    public String id() {
        return id;
    }

    /** Follows the monitor to its verdict, blocking: for a caller that may. */
    public MonitorReport follow(Duration timeout) throws IOException {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return verdict(StewardClient.join(awaitEndAsync(clock.instant().plus(timeout), clock)));
    }

    /**
     * Follows without holding a thread until the monitor ends or {@code deadline} (absolute, saved
     * by the step) passes; each evaluation becomes a log line. Completes with the ended report, or
     * null at the deadline. Pass the value to {@link #verdict}.
     */
    public java.util.concurrent.CompletableFuture<MonitorReport> awaitEndAsync(java.time.Instant deadline, java.time.Clock clock) {
        return client.monitors().followAsync(id, deadline, clock, this::show);
    }

    /** The report to act on (read again when the wait ran out), its verdict said in the log. */
    public MonitorReport verdict(MonitorReport ended) throws IOException {
        MonitorReport r = ended != null ? ended : client.monitors().get(id);
        listener.line("steward: " + (r.verdict() == null ? "RUNNING" : r.verdict()) + ": " + r.reason() + (r.rolledBack() == null ? "" : "; " + r.rolledBack()));
        return r;
    }

    private synchronized void show(MonitorReport m) {
        if (m.gates().isEmpty()) {
            return;
        }
        int n = m.gates().get(0).evaluations();
        if (n <= shown) {
            return;
        }
        shown = n;
        StringBuilder s = new StringBuilder("steward: evaluation " + n + ":");
        for (GateReport g : m.gates()) {
            GateReport.Point p = g.points().get(g.points().size() - 1);
            s.append("  ").append(g.gate()).append(" = ").append(p.value() == null ? "no data" : g.lastText() + (p.passed() ? " ok" : " FAILED"));
        }
        listener.line(s.toString());
        listener.status("monitor: evaluation " + n);
    }

    /** Writes monitor.json and monitor.html into {@code dir}; returns the HTML file. */
    public Path writeReports(MonitorReport r, Path dir) throws IOException {
        Files.createDirectories(dir);
        ReplacedFiles.write(dir.resolve("monitor.json"), JSON.writeValueAsBytes(r), ReplacedFiles.SHARED);
        Path html = dir.resolve("monitor.html");
        ReplacedFiles.write(html, client.monitors().html(r.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8), ReplacedFiles.SHARED);
        return html;
    }

    /** The build result a verdict means. */
    /**
     * What the {@code monitor} step returns to the Pipeline: {@code verdict}, {@code reason}, and
     * {@code gates} (each gate's text to its {@code verdict}, last {@code value} as a number, ratios as
     * fractions, and that value as {@code text}, e.g. "100%"), in plain maps (the Pipeline can save them).
     */
    public static java.util.Map<String, Object> stepResult(dev.steward.api.MonitorReport r) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("verdict", String.valueOf(r.verdict()));
        out.put("reason", r.reason());
        java.util.Map<String, Object> gates = new java.util.LinkedHashMap<>();
        if (r.gates() != null) {
            r.gates().forEach(g -> {
                java.util.Map<String, Object> one = new java.util.LinkedHashMap<>();
                one.put("verdict", String.valueOf(g.verdict()));
                one.put("value", g.lastValue());
                one.put("text", g.lastText());
                gates.put(g.gate(), one);
            });
        }
        out.put("gates", gates);
        return out;
    }

    public static Result result(Verdict v, boolean failOnInconclusive) {
        if (v == Verdict.PASS) {
            return Result.SUCCESS;
        }
        if (v == Verdict.FAIL) {
            return Result.FAILURE;
        }
        return failOnInconclusive ? Result.FAILURE : Result.UNSTABLE;
    }
}
