package dev.steward.allocator.state;

import dev.steward.allocator.placement.AgentLedger;
import dev.steward.allocator.placement.PlacementAsk;
import dev.steward.allocator.placement.PlacementStack;
import dev.steward.allocator.placement.PlacementStack.Choice;
import dev.steward.allocator.placement.PlacementStack.Outcome;
import dev.steward.allocator.placement.RegexWork;
import dev.steward.api.Ask;
import dev.steward.api.DeployPlan;
import dev.steward.api.Resources;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether the instances a deploy would start find room now, for its plan: they are placed one
 * after the other on what is free, with the room of the instances they replace counted as free
 * when the rollout's strategy gives it back ({@link RolloutRoom}: a recreate frees it all first, a
 * blue/green none until every new instance runs, a rolling update and a canary some beside the
 * old ones first and the rest as they go), as the scheduler would (its stack, its filters and scorers,
 * distinct constraints among them), each held while the next is placed, and then all given back
 * with {@link dev.steward.allocator.placement.AgentLedger#undo}: no room grows, nothing is
 * written (only the order of agents that score alike may change, which breaks a later tie the
 * other way: the fill index's buckets keep no order; RehearsalPropertyTest). Other tenants' pending requests are not counted. Where nothing
 * else fits, the room of preemptible allocations of a lower priority than the ask's counts, picked
 * as {@link Preemptor} would ({@link Preemptor#victims}), and the plan says how many would end. At most
 * {@link #MAX_TRIED} are placed, so a plan for thousands costs the owner thread what a hundred
 * placements do (0.4 to 4 ms, medians, at 10,000 agents, measured with a scratch timing on a busy
 * machine), and its regex constraints read at most {@link #REGEX_CHARACTERS}. Owner thread only.
 */
final class Rehearsal {
    static final int MAX_TRIED = 100;
    /** What a plan's regex constraints may read, over every agent: a tenth of a scheduling pass's ({@link RegexWork#PER_ROLE_PER_CYCLE}). */
    static final long REGEX_CHARACTERS = RegexWork.PER_ROLE_PER_CYCLE / 10;

    private Rehearsal() {
    }

    /**
     * Whether {@code needed} units of {@code ask} find room, with the room of the replaced
     * allocations counted as free when {@code phases} frees it (their places are held again
     * before this returns). The role's limit is checked at both peaks: after the instances
     * started beside, and at the end.
     */
    static DeployPlan.Placement of(ClusterState state, Ask ask, int needed, RolloutRoom phases) {
        List<dev.steward.api.AllocationInfo> freed = new ArrayList<>();
        try {
            Resources first = free(state, phases.freedFirst(), freed);
            int beside = Math.min(phases.beside(), needed);
            RoleRecord role = ask.role() == null ? null : state.roles.get(ask.role());
            Resources holds = role == null ? Resources.ZERO : state.sorter.allocation(role.name());
            String heldBy = role == null ? null : Quotas.limitReason(role, holds.minus(first), ask.shape().times(beside));
            return run(state, ask, needed, beside, heldBy, () -> {
                Resources after = free(state, phases.freedAfter(), freed);
                return role == null ? null : Quotas.limitReason(role, holds.minus(first).minus(after), ask.shape().times(needed));
            });
        } finally {
            for (dev.steward.api.AllocationInfo a : freed) {
                state.ledgers.get(a.agentId()).reserve(a.resources(), a.gpuIndexes(), a.ports());
            }
        }
    }

    /** Gives back the room of the live allocations {@code ids} on their agents' ledgers (recorded in {@code freed}); returns what they held. */
    private static Resources free(ClusterState state, List<String> ids, List<dev.steward.api.AllocationInfo> freed) {
        Resources released = Resources.ZERO;
        for (String id : ids) {
            dev.steward.api.AllocationInfo a = state.allocations.get(id);
            AgentLedger l = a == null || a.state().terminal() || a.agentId() == null ? null : state.ledgers.get(a.agentId());
            if (l != null) {
                l.undo(a.resources(), a.gpuIndexes(), a.ports());
                freed.add(a);
                released = released.plus(a.resources());
            }
        }
        return released;
    }

    /**
     * Places {@code needed} (at most {@link #MAX_TRIED}): the first {@code beside}, then what
     * {@code thenFree} gives back (it returns the role's limit's reason at the end, or null), then the rest.
     */
    private static DeployPlan.Placement run(ClusterState state, Ask ask, int needed, int beside, String heldAtFirst,
                                            java.util.function.Supplier<String> thenFree) {
        state.sumTotal();
        Resources want = ask.shape().times(needed);
        String heldBy = heldAtFirst;
        int tried = Math.min(needed, MAX_TRIED);
        PlacementStack stack = new PlacementStack();
        RegexWork regex = new RegexWork(REGEX_CHARACTERS);
        Map<String, Set<String>> taken = new HashMap<>();
        List<Choice> held = new ArrayList<>();
        Map<String, Integer> rejections = Map.of();
        boolean freedRest = false;
        Preemptor preemptor = new Preemptor(state, stack);
        Map<String, dev.steward.api.AllocationInfo> preempted = new java.util.LinkedHashMap<>();
        try {
            for (int i = 0; i < tried; i++) {
                if (i == beside) {
                    String atEnd = thenFree.get();
                    freedRest = true;
                    heldBy = heldBy != null ? heldBy : atEnd;
                }
                PlacementAsk pa = new PlacementAsk("plan", ask, taken, Map.of(), regex);
                Outcome o = stack.placeOne(pa, state.fill);
                if (!o.placed() && !(regex.cut() && Scheduler.hasRegex(ask))) { // as the scheduler: preempt only where every agent was reached
                    List<dev.steward.api.AllocationInfo> victims = preemptor.victims(ask, pa, preempted.keySet());
                    if (victims != null) {
                        for (dev.steward.api.AllocationInfo v : victims) {
                            state.ledgers.get(v.agentId()).undo(v.resources(), v.gpuIndexes(), v.ports());
                            preempted.put(v.id(), v);
                        }
                        o = stack.placeOne(pa, state.fill);
                    }
                }
                if (!o.placed()) {
                    rejections = o.rejections();
                    break;
                }
                Choice c = o.choice();
                c.agent().reserve(ask.shape(), c.gpus(), c.ports());
                held.add(c);
                Scheduler.addTaken(taken, ask, c.agent());
            }
        } finally {
            for (Choice c : held) {
                c.agent().undo(ask.shape(), c.gpus(), c.ports());
            }
            for (dev.steward.api.AllocationInfo v : preempted.values()) {
                state.ledgers.get(v.agentId()).hold(v.resources(), v.gpuIndexes(), v.ports()); // as it was, as Preemptor puts its trial back
            }
        }
        if (!freedRest) { // every unit tried was beside, or one found no room first: the end's limit still counts
            String atEnd = thenFree.get();
            heldBy = heldBy != null ? heldBy : atEnd;
        }
        if (heldBy == null) {
            heldBy = Quotas.guaranteeReason(ask.role(), state.roles.values(), state.sorter, state.readyTotal, want);
        }
        return new DeployPlan.Placement(needed, tried, held.size(), heldBy, Map.copyOf(rejections), regex.cut(), preempted.size());
    }
}
