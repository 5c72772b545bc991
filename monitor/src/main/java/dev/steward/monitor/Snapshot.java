package dev.steward.monitor;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the monitor saw of a service at one moment, per instance: its scraped metrics (null when
 * the scrape failed), whether its health check passed, its restarts so far, its memory (MiB, or
 * null when unknown), how many log lines matched the error pattern so far (-1: not collected), and
 * the CPU milliseconds it has used so far (-1: unknown).
 */
public record Snapshot(Instant at, Map<String, Instance> instances) {

    public record Instance(List<Sample> metrics, Boolean healthy, int restarts, Long memoryMib, long logMatches, long cpuMillis) {
        public Instance(List<Sample> metrics, Boolean healthy, int restarts, Long memoryMib, long logMatches) {
            this(metrics, healthy, restarts, memoryMib, logMatches, -1);
        }
    }
}
