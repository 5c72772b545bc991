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
 * after the other on what is free (for a new revision, with the room of the instances it
 * replaces counted as free: they give it back as the rollout goes), as the scheduler would (its stack, its filters and scorers,
 * distinct constraints among them), each held while the next is placed, and then all given back
 * with {@link dev.steward.allocator.placement.AgentLedger#undo}: no room grows, nothing is
 * written. Other tenants' pending requests are not counted and no one is preempted. At most
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
     * Whether {@code needed} units of {@code ask} find room, with the room of the allocations
     * {@code replaced} counted as free (a new revision's instances replace the old ones, which give
     * theirs back as the rollout goes; their places are held again before this returns).
     */
    static DeployPlan.Placement of(ClusterState state, Ask ask, int needed, java.util.Collection<String> replaced) {
        List<dev.steward.api.AllocationInfo> freed = new ArrayList<>();
        Resources released = Resources.ZERO;
        for (String id : replaced) {
            dev.steward.api.AllocationInfo a = state.allocations.get(id);
            AgentLedger l = a == null || a.state().terminal() || a.agentId() == null ? null : state.ledgers.get(a.agentId());
            if (l != null) {
                l.undo(a.resources(), a.gpuIndexes(), a.ports());
                freed.add(a);
                released = released.plus(a.resources());
            }
        }
        try {
            return run(state, ask, needed, released);
        } finally {
            for (dev.steward.api.AllocationInfo a : freed) {
                state.ledgers.get(a.agentId()).reserve(a.resources(), a.gpuIndexes(), a.ports());
            }
        }
    }

    /** {@code released}: what the role holds now that it would give back (the replaced instances'), not counted against its limit. */
    private static DeployPlan.Placement run(ClusterState state, Ask ask, int needed, Resources released) {
        state.sumTotal();
        RoleRecord role = ask.role() == null ? null : state.roles.get(ask.role());
        Resources want = ask.shape().times(needed);
        String heldBy = role == null ? null : Quotas.limitReason(role, state.sorter.allocation(role.name()).minus(released), want);
        if (heldBy == null) {
            heldBy = Quotas.guaranteeReason(ask.role(), state.roles.values(), state.sorter, state.readyTotal, want);
        }
        int tried = Math.min(needed, MAX_TRIED);
        PlacementStack stack = new PlacementStack();
        RegexWork regex = new RegexWork(REGEX_CHARACTERS);
        Map<String, Set<String>> taken = new HashMap<>();
        List<Choice> held = new ArrayList<>();
        Map<String, Integer> rejections = Map.of();
        try {
            for (int i = 0; i < tried; i++) {
                Outcome o = stack.placeOne(new PlacementAsk("plan", ask, taken, Map.of(), regex), state.fill);
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
        }
        return new DeployPlan.Placement(needed, tried, held.size(), heldBy, Map.copyOf(rejections), regex.cut());
    }
}
