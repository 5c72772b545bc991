/**
 * Monitors run in the allocator: every interval {@link dev.steward.allocator.monitor.MonitorRunner}
 * reads the service's instances from the state, scrapes each one's Prometheus endpoint and reads
 * its new log lines (all instances at once, each read bounded in time and size, since an
 * instance is the tenant's program), records a snapshot and lets the pure {@code dev.steward.monitor.Judge} decide; the report is a record of
 * the state (so it is a blocking query and survives a restart), and a fail can roll the service
 * back to its previous stable revision.
 */
package dev.steward.allocator.monitor;
