/**
 * Placement: which agent takes one allocation. A pipeline in the style of Nomad's stack:
 * feasibility filters answer yes, or no with a reason ({@link dev.steward.allocator.placement.FeasibilityFilter});
 * scorers rank the feasible agents and never reject ({@link dev.steward.allocator.placement.Scorer});
 * {@link dev.steward.allocator.placement.PlacementStack} wires them and picks the best. Every
 * rejection is counted into a {@link dev.steward.api.PlacementDiagnosis}, so a pending request
 * can say why. {@link dev.steward.allocator.placement.AgentLedger} is the per-agent book of
 * what is free (resources, GPU devices, ports); the stack reads ledgers and never writes them.
 */
package dev.steward.allocator.placement;
