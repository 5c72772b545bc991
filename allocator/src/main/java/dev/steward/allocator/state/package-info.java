/**
 * The cluster's mutable state and the commands that change it. {@link dev.steward.allocator.state.ClusterState}
 * is owned by one thread (the engine's); every command takes the time as an argument and
 * records what it changed in {@link dev.steward.allocator.state.Changes}, which the engine
 * makes durable before it answers. {@link dev.steward.allocator.state.Scheduler} runs the
 * allocation cycle (fair order from the sorter, placement from the stack, preemption);
 * {@link dev.steward.allocator.state.Rehearsal} places a deploy plan's instances the same way and
 * gives the room back; {@link dev.steward.allocator.state.RoleBounds} is what one role may hold;
 * {@link dev.steward.allocator.state.Transitions} holds the state machines as tables.
 */
package dev.steward.allocator.state;
