package dev.steward.api;

import java.time.Duration;
import java.util.List;

/**
 * What {@code monitor} watches: the gates ({@code "error-rate < 1%"}, {@code "p99 < 250ms"},
 * {@code "restarts <= 2"}, {@code "healthy >= 80%"}, {@code "memory < 256m"},
 * {@code "log-errors < 5/min"}), for how long, how often, over which window, how many failed
 * evaluations are tolerated, where the metrics are ({@code metricsPath} on {@code metricsPort}),
 * what the request and latency metrics are called and what an error looks like, which log lines
 * count as errors, and whether a fail rolls the service's deployment back.
 */
public record MonitorSpec(List<String> gates, String duration, String interval, String window, Integer failureLimit, String metricsPath,
                          String metricsPort, String requestsMetric, String statusLabel, String errorStatus, String latencyMetric, String logPattern,
                          Boolean rollbackOnFail) {

    public Duration durationValue() {
        return duration == null ? Duration.ofMinutes(5) : Units.duration("duration", duration);
    }

    /** As given, else 10s, or the duration when that is shorter (a 5s monitor is not refused for an interval nobody asked for). */
    public Duration intervalValue() {
        if (interval == null) {
            Duration d = durationValue();
            return d.compareTo(Duration.ofSeconds(10)) < 0 ? d : Duration.ofSeconds(10);
        }
        return Units.duration("interval", interval);
    }

    public Duration windowValue() {
        return window == null ? Duration.ofMinutes(1) : Units.duration("window", window);
    }

    public int failureLimitValue() {
        return Validation.range("failureLimit", failureLimit, 0, 1000, 0);
    }

    public MonitorSpec validate() {
        if (gates == null || gates.isEmpty()) {
            throw new ValidationException("gates", "name at least one gate, e.g. 'error-rate < 1%'");
        }
        if (gates.size() > 20) {
            throw new ValidationException("gates", "has " + gates.size() + " entries, above the limit of 20");
        }
        Duration d = durationValue();
        Duration i = intervalValue();
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofDays(1)) > 0) {
            throw new ValidationException("duration", "is " + Units.format(d) + "; it must be from 1s to 24h");
        }
        if (i.compareTo(Duration.ofMillis(200)) < 0 || i.compareTo(d) > 0) {
            throw new ValidationException("interval", "is " + Units.format(i) + "; it must be from 200ms to the duration (" + Units.format(d) + ")");
        }
        if (windowValue().compareTo(i) < 0) {
            throw new ValidationException("window", "must be at least the interval (" + Units.format(i) + ")");
        }
        failureLimitValue();
        if (metricsPath != null && !metricsPath.startsWith("/")) {
            throw new ValidationException("metricsPath", "must start with '/'");
        }
        if (errorStatus != null) {
            try {
                java.util.regex.Pattern.compile(errorStatus);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new ValidationException("errorStatus", "is not a regular expression: " + e.getDescription());
            }
        }
        if (logPattern != null) {
            try {
                java.util.regex.Pattern.compile(logPattern);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new ValidationException("logPattern", "is not a regular expression: " + e.getDescription());
            }
        }
        return this;
    }
}
