/**
 * The engine: the one thread that owns {@link dev.steward.allocator.state.ClusterState}.
 * Commands queue to it (agents' ahead of clients') and are taken in batches: each is applied in
 * order, the scheduler and the reconciler run, the batch's changes ({@link
 * dev.steward.allocator.engine.ChangedRows}) are written to the store in one transaction (group
 * commit), and only then are the callers answered and the blocking
 * queries the changes concern ({@code ?index=N&wait=30s}, {@link
 * dev.steward.allocator.engine.ParkedQueries}) woken. Reads run between batches. A ticker folds
 * heartbeats in, loses silent agents and expires leases, and notices when the thread itself
 * stalled or the clock jumped ({@link dev.steward.allocator.engine.TickGap}, a pure decision).
 * When a role's regex constraints were cut short before every agent was reached, a follow-up
 * cycle is queued behind the other commands ({@link dev.steward.allocator.engine.FollowUp}).
 * Time comes from an injected {@link java.time.Clock}.
 */
package dev.steward.allocator.engine;
