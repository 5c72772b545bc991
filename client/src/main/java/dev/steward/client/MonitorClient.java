package dev.steward.client;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/** Monitors from a client: start one, follow it to its verdict, fetch its HTML report, stop it. */
public final class MonitorClient {
    private final StewardClient c;

    MonitorClient(StewardClient c) {
        this.c = c;
    }

    public MonitorReport start(String app, String env, MonitorSpec spec) throws IOException {
        return c.call("POST", Paths.v1("services", app, env, "monitors"), spec, MonitorReport.class, false);
    }

    /** The running monitors the caller may see. */
    public java.util.List<MonitorReport> running() throws IOException {
        return c.get("/v1/monitors", new TypeReference<>() { });
    }

    public MonitorReport get(String id) throws IOException {
        return c.get(Paths.v1("monitors", id), new TypeReference<>() { });
    }

    public MonitorReport stop(String id) throws IOException {
        return c.call("POST", Paths.v1("monitors", id, "stop"), null, MonitorReport.class, true);
    }

    /** Follows a monitor until it ends (or {@code timeout}); every new state goes to {@code onChange}. */
    public MonitorReport follow(String id, Duration timeout, Consumer<MonitorReport> onChange) throws IOException {
        java.time.Clock clock = java.time.Clock.systemUTC();
        MonitorReport r = StewardClient.join(followAsync(id, clock.instant().plus(timeout), clock, onChange));
        return r != null ? r : get(id);
    }

    /** {@link #follow} without a parked thread: the monitor once it has ended, or null when {@code deadline} passed first. */
    public java.util.concurrent.CompletableFuture<MonitorReport> followAsync(String id, java.time.Instant deadline, java.time.Clock clock,
                                                                           Consumer<MonitorReport> onChange) {
        return c.watchAsync(Paths.v1("monitors", id), MonitorReport.class, deadline, clock, m -> !m.running(), onChange);
    }

    /** The self-contained HTML report. */
    public String html(String id) throws IOException {
        try (Response r = c.http().newCall(new Request.Builder().url(c.url(Paths.v1("monitors", id, "report"))).get().build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            StewardClient.check(r, text);
            return text;
        }
    }
}
