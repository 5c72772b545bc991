package dev.steward.allocator.placement;

/** Ranks a feasible agent for one allocation; higher is better. Scorers never reject. */
@FunctionalInterface
public interface Scorer {
    double score(AgentLedger agent, PlacementAsk ask);
}
