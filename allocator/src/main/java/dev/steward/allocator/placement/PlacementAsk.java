package dev.steward.allocator.placement;

import dev.steward.api.Ask;

import java.util.Map;
import java.util.Set;

/**
 * One allocation to place: the request's {@link Ask}, plus, for {@code distinct}
 * constraints, the attribute values the request's other allocations already hold
 * ({@code agent} → agent ids, or any attribute → its values), plus, for an instance of a
 * service, how many of the service's other live instances each agent runs ({@code siblings},
 * agent id → count), which {@link Scorers#ANTI_AFFINITY} spreads, plus what its role's
 * {@code regex} constraints may still read this cycle ({@link RegexWork}; its own when not given).
 */
public record PlacementAsk(String requestId, Ask ask, Map<String, Set<String>> distinctTaken, Map<String, Integer> siblings, RegexWork regex) {
    public PlacementAsk {
        distinctTaken = distinctTaken == null ? Map.of() : distinctTaken;
        siblings = siblings == null ? Map.of() : siblings;
        regex = regex == null ? RegexWork.perCycle() : regex;
    }

    /** An ask with its own regex allowance. */
    public PlacementAsk(String requestId, Ask ask, Map<String, Set<String>> distinctTaken, Map<String, Integer> siblings) {
        this(requestId, ask, distinctTaken, siblings, null);
    }

    /** An ask with no siblings to spread from. */
    public PlacementAsk(String requestId, Ask ask, Map<String, Set<String>> distinctTaken) {
        this(requestId, ask, distinctTaken, Map.of(), null);
    }
}
