/**
 * Monitoring, pure: {@link dev.steward.monitor.PromText} reads the Prometheus text format,
 * {@link dev.steward.monitor.Gate} parses gates such as {@code error-rate < 1%} and
 * {@code p99 < 250ms}, {@link dev.steward.monitor.Evaluator} measures them over recorded
 * {@link dev.steward.monitor.Snapshot}s (counter resets, histogram quantiles, no data), the
 * {@link dev.steward.monitor.Judge} turns evaluations into a verdict, and
 * {@link dev.steward.monitor.HtmlReport} renders a self-contained report with an SVG chart per
 * gate. Time is always an argument; the allocator's monitor runner does the scraping.
 */
package dev.steward.monitor;
