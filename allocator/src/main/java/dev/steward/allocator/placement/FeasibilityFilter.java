package dev.steward.allocator.placement;

/** Answers whether an agent can take one allocation: null for yes, or the reason for no. Filters never score. */
@FunctionalInterface
public interface FeasibilityFilter {
    String reject(AgentLedger agent, PlacementAsk ask);
}
