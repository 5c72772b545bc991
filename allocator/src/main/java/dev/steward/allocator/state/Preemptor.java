package dev.steward.allocator.state;

import dev.steward.allocator.placement.AgentLedger;
import dev.steward.allocator.placement.PlacementAsk;
import dev.steward.allocator.placement.PlacementStack;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.Ask;
import dev.steward.api.RequestInfo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Evicts preemptible allocations of lower priority when nothing else fits. On each agent that
 * passes the standing filters it frees victims lowest priority first (the largest first among
 * equals, so fewer go), until the ask fits; it picks the agent that needs the fewest victims,
 * then the lowest top priority among them. The holders see why their allocation ended.
 */
final class Preemptor {
    private final ClusterState state;
    private final PlacementStack stack;

    Preemptor(ClusterState state, PlacementStack stack) {
        this.state = state;
        this.stack = stack;
    }

    /** Ends the allocations that make room for one unit of {@code ask} and returns them; none (empty) when no agent has enough. */
    List<AllocationInfo> preempt(RequestInfo r, Ask ask, PlacementAsk pa, Instant now) {
        List<AllocationInfo> best = victims(ask, pa, java.util.Set.of());
        if (best == null) {
            return List.of();
        }
        String by = "preempted by request " + r.id() + " of role '" + r.role() + "' at priority " + ask.priority();
        for (AllocationInfo v : best) {
            state.end(v, AllocationState.PREEMPTED, by, now);
        }
        return best;
    }

    /**
     * The allocations {@code victims} as a person reads them where the one placed in their room is
     * told: {@code 1 preempted allocation: 5c0e... (role 'farm', priority 10)}, at most five named.
     * Ids, roles and priorities only: the holder of the one placed may be another role, and an
     * allocation's name is its own role's to read (as the holders of the preempted ones read the
     * request's id and role, not its name).
     */
    static String describe(List<AllocationInfo> victims) {
        StringBuilder b = new StringBuilder(victims.size() == 1 ? "1 preempted allocation: " : victims.size() + " preempted allocations: ");
        for (int i = 0; i < Math.min(5, victims.size()); i++) {
            AllocationInfo v = victims.get(i);
            b.append(i == 0 ? "" : ", ").append(v.id()).append(" (role '").append(v.role()).append("', priority ").append(v.priority()).append(')');
        }
        return victims.size() > 5 ? b.append(" and ").append(victims.size() - 5).append(" more").toString() : b.toString();
    }

    /**
     * The allocations a preemption for one unit of {@code ask} would end, changing nothing: on the
     * agent that needs the fewest, the lowest; null when no agent has enough. {@code spared}: live
     * allocations already counted gone (a plan's earlier preemptions), never picked again.
     */
    List<AllocationInfo> victims(Ask ask, PlacementAsk pa, java.util.Set<String> spared) {
        List<AllocationInfo> best = null;
        for (AgentLedger l : state.ledgers.values()) {
            if (stack.standingRejection(l, pa) != null) {
                continue;
            }
            List<AllocationInfo> victims = victimsOn(l, pa, ask.priority(), spared);
            if (victims != null && better(victims, best)) {
                best = victims;
            }
        }
        return best == null || best.isEmpty() ? null : best;
    }

    /**
     * The lowest priority, above {@code ask}'s and below {@code cap}, at which one unit of it would
     * find victims; null when none would. A binary search over the priorities the live preemptible
     * allocations have (more of them become victims as the priority rises), a scan of the agents
     * per step: for a reason's hint, never per placement. Changes nothing.
     */
    Integer leastPriority(Ask ask, int cap) {
        if (ask.gang()) {
            return null;
        }
        java.util.TreeSet<Integer> above = new java.util.TreeSet<>();
        for (AllocationInfo a : state.allocations.values()) {
            if (!a.state().terminal() && a.preemptible() && a.priority() >= ask.priority() && a.priority() < cap) {
                above.add(a.priority() + 1); // the priority that would take it
            }
        }
        List<Integer> tries = List.copyOf(above);
        dev.steward.allocator.placement.RegexWork regex = new dev.steward.allocator.placement.RegexWork(Rehearsal.REGEX_CHARACTERS);
        int lo = 0;
        int hi = tries.size() - 1;
        Integer found = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Ask at = ask.withPriority(tries.get(mid));
            if (victims(at, new PlacementAsk("hint", at, java.util.Map.of(), java.util.Map.of(), regex), java.util.Set.of()) != null) {
                found = tries.get(mid);
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return regex.cut() ? null : found;
    }

    /** The fewest, lowest victims on {@code l} that make room, or null when even all of them would not. */
    private List<AllocationInfo> victimsOn(AgentLedger l, PlacementAsk pa, int priority, java.util.Set<String> spared) {
        List<AllocationInfo> candidates = new ArrayList<>();
        for (String id : state.liveByAgent.get(l.id())) {
            AllocationInfo a = state.allocations.get(id);
            if (a.preemptible() && a.priority() < priority && !spared.contains(id)) {
                candidates.add(a);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        candidates.sort(Comparator.comparingInt(AllocationInfo::priority)
                .thenComparing(a -> -(a.resources().cpuMillis() + a.resources().memoryMib())));
        List<AllocationInfo> freed = new ArrayList<>();
        try {
            for (AllocationInfo a : candidates) {
                l.undo(a.resources(), a.gpuIndexes(), a.ports());
                freed.add(a);
                if (stack.capacityRejection(l, pa) == null) {
                    return List.copyOf(freed);
                }
            }
            return null;
        } finally {
            for (AllocationInfo a : freed) {
                l.hold(a.resources(), a.gpuIndexes(), a.ports()); // as it was, even on an agent smaller than what it runs
            }
        }
    }

    private static boolean better(List<AllocationInfo> a, List<AllocationInfo> b) {
        if (b == null) {
            return true;
        }
        if (a.size() != b.size()) {
            return a.size() < b.size();
        }
        return maxPriority(a) < maxPriority(b);
    }

    private static int maxPriority(List<AllocationInfo> v) {
        return v.stream().mapToInt(AllocationInfo::priority).max().orElse(0);
    }
}
