/**
 * Benchmarks: commands that print figures and ratios, never timed tests.
 * {@link dev.steward.bench.PlacementBench} packs the Alibaba GPU trace (shared/traces) with
 * Steward's placement pipeline and with Netflix Fenzo in the same JVM; {@link dev.steward.bench.ScaleBench}
 * shows how the cost of one placement grows with the number of agents.
 */
package dev.steward.bench;
