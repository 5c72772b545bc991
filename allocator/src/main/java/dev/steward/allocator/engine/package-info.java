/**
 * The engine: the one thread that owns {@link dev.steward.allocator.state.ClusterState}.
 * Commands and reads are queued to it and run in order; after a command the scheduler runs,
 * the changes are written to the store in one transaction, and only then is the caller
 * answered and are blocking queries ({@code ?index=N&wait=30s}) woken. A ticker expires
 * leases and loses silent agents. Time comes from an injected {@link java.time.Clock}.
 */
package dev.steward.allocator.engine;
