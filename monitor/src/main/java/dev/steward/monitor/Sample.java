package dev.steward.monitor;

import java.util.Map;

/** One sample of the Prometheus text format: a metric name, its labels, a value. */
public record Sample(String name, Map<String, String> labels, double value) {
}
