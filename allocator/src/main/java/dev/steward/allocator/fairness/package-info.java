/**
 * Fairness across roles, behind the small {@link dev.steward.allocator.fairness.Sorter}
 * interface (after Mesos' sorter): the allocator tells it what each role holds and asks in
 * which order to serve roles. {@link dev.steward.allocator.fairness.DrfSorter} is weighted
 * Dominant Resource Fairness with guarantees first. Placement knows nothing of fairness.
 */
package dev.steward.allocator.fairness;
