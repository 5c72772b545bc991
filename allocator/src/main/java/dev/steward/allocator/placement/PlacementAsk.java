package dev.steward.allocator.placement;

import dev.steward.api.Ask;

import java.util.Map;
import java.util.Set;

/**
 * One allocation to place: the request's {@link Ask}, plus, for {@code distinct}
 * constraints, the attribute values the request's other allocations already hold
 * ({@code agent} → agent ids, or any attribute → its values).
 */
public record PlacementAsk(String requestId, Ask ask, Map<String, Set<String>> distinctTaken) {
    public PlacementAsk {
        distinctTaken = distinctTaken == null ? Map.of() : distinctTaken;
    }
}
