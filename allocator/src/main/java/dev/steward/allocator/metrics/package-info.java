/**
 * The allocator's Prometheus metrics ({@code GET /metrics}): a registry of its own per
 * allocator, counters and histograms fed by the HTTP server and the engine as they work, and
 * gauges read from the state in one read per scrape, at most once a second. The decision code
 * only counts ({@link dev.steward.allocator.state.Stats}); this package turns the counts into
 * metrics with {@code io.prometheus:prometheus-metrics-core} and writes them with its
 * text-format writer. docs/observability.md lists every metric.
 */
package dev.steward.allocator.metrics;
