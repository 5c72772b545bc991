package dev.steward.allocator.state;

import dev.steward.allocator.placement.AgentLedger;
import dev.steward.api.AgentInfo;
import dev.steward.allocator.placement.PlacementAsk;
import dev.steward.allocator.placement.PlacementStack;
import dev.steward.allocator.placement.PlacementStack.Choice;
import dev.steward.allocator.placement.PlacementStack.Outcome;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.Ask;
import dev.steward.api.Constraint;
import dev.steward.api.HistoryEvent;
import dev.steward.api.PlacementDiagnosis;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.Resources;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The allocation cycle, progressive filling in the DRF paper's manner: ask the sorter which
 * role comes first, try its pending requests in service order (priority, then FIFO), place one
 * allocation (or a whole gang), and ask again. A request that cannot be placed is set aside for
 * the rest of the cycle with its diagnosis; the cycle ends when a full pass places nothing.
 *
 * <p>It stays aside in later cycles until room may have grown where it could help it, as
 * Kubernetes keeps unschedulable pods aside until an event that could help them (its queueing
 * hints). The index says where room grew ({@link
 * dev.steward.allocator.placement.FillIndex#takeGrowth}: a release, an agent joined, back,
 * changed, out of drain, ports given back; or everywhere: a role's limit or guarantee changed, or
 * a role still owed part of its guarantee was given something). A request that found no agent
 * comes back when an agent that grew is ready, not draining, large enough for one unit of it,
 * and either has that much free now or holds a preemptible allocation of lower priority (which a
 * preemption could add to what was freed); one held back by its role's limit when that role's allocation ends; one held back for
 * others' guarantees at any growth. Nothing else can let it through: placements and new
 * requests only take room, and a role's weight only changes the order. So a tenant's backlog of
 * requests that fit nowhere costs other tenants' commands a map lookup each, and a release only
 * the requests that could use the room it gave.
 */
final class Scheduler {
    private final ClusterState state;
    private final PlacementStack stack = new PlacementStack();
    private final Preemptor preemptor;
    private final Map<String, Ask> asks = new HashMap<>();
    /** Pending requests that found no place, each with what held it back. */
    private final Map<String, Aside> aside = new HashMap<>();
    /** Roles an allocation of which ended since the last look: what their limits held back may pass. */
    private final Set<String> releasedRoles = new HashSet<>();
    private AsideMode mode = AsideMode.SET_ASIDE;
    /** Whether the last cycle set a request aside as {@link HeldBy#REGEX_CUT}. */
    private boolean cutLastCycle;

    /** What a cycle does with a request set aside and not woken since. */
    enum AsideMode {
        /** Skips it (the default). */
        SET_ASIDE,
        /** Tries it as any other: every pending request at every cycle, as before requests were set aside. */
        TRY_ALL,
        /** Tries it and fails loudly if it is placed after all: the property test's check that setting aside hides nothing. */
        CHECK
    }

    /**
     * What held a request back. {@code REGEX_CUT}: no agent it reached took it, but its role's
     * regex patterns used up their reading for the cycle ({@link
     * dev.steward.allocator.placement.RegexWork}) before every agent was reached; it is tried again
     * at the engine's follow-up cycle ({@link #resumeCut}) as well as when room grows.
     */
    private enum HeldBy { AGENTS, ROLE_LIMIT, GUARANTEES, REGEX_CUT }

    /** A request set aside: what held it back, its role, one unit of what it asks for, and its priority (what it may preempt). */
    private record Aside(HeldBy by, String role, Resources unit, int priority) {
    }

    Scheduler(ClusterState state) {
        this.state = state;
        this.preemptor = new Preemptor(state, stack);
    }

    private record Attempt(int placed, PlacementDiagnosis diagnosis, HeldBy by) {
    }

    int run(Instant now) {
        int placed = 0;
        cutLastCycle = false;
        Set<String> blocked = new HashSet<>();
        Map<String, PlacementDiagnosis> diagnoses = new LinkedHashMap<>();
        Map<String, dev.steward.allocator.placement.RegexWork> regex = new java.util.HashMap<>(); // each role's regex reading, this cycle
        boolean progress = true;
        while (progress) {
            progress = false;
            roles:
            for (String role : state.sorter.sort()) {
                TreeSet<RequestInfo> pending = state.pendingByRole.get(role);
                if (pending == null) {
                    continue;
                }
                for (RequestInfo r : pending) {
                    if (blocked.contains(r.id())) {
                        continue;
                    }
                    wake();
                    boolean wouldSkip = aside.containsKey(r.id());
                    if (wouldSkip && mode != AsideMode.TRY_ALL) {
                        state.stats().setAside();
                        if (mode == AsideMode.SET_ASIDE) {
                            continue; // found no place, and no room has grown where it could help
                        }
                    }
                    Attempt a = attempt(r, now, regex.computeIfAbsent(r.role(), k -> dev.steward.allocator.placement.RegexWork.perCycle()));
                    if (a.placed > 0 && wouldSkip && mode == AsideMode.CHECK && aside.get(r.id()).by() != HeldBy.REGEX_CUT) { // cut short: it was to go on
                        throw new IllegalStateException("request " + r.id() + " (" + r.request() + ") was set aside (" + aside.get(r.id()) + ") after '"
                                + (r.why() == null ? null : r.why().summary()) + "', yet placed " + a.placed + " now: "
                                + state.requests.get(r.id()).allocations().stream().map(id -> state.allocations.get(id).agentName()).toList());
                    }
                    if (a.placed > 0) {
                        placed += a.placed;
                        progress = true;
                        aside.remove(r.id());
                        break roles; // shares changed: ask the sorter again
                    }
                    blocked.add(r.id());
                    cutLastCycle |= a.by == HeldBy.REGEX_CUT;
                    aside.put(r.id(), new Aside(a.by, r.role(), asks.get(r.id()).shape(), asks.get(r.id()).priority())); // growth its own attempt made (a preemption) wakes it again
                    diagnoses.put(r.id(), a.diagnosis);
                }
            }
        }
        state.stats().placed(placed);
        for (Map.Entry<String, PlacementDiagnosis> e : diagnoses.entrySet()) {
            state.stats().failed(e.getValue());
            RequestInfo r = state.requests.get(e.getKey());
            if (r != null && r.state() == RequestState.PENDING && !same(r.why(), e.getValue())) {
                state.putRequest(Records.request(r, RequestState.PENDING, r.placed(), r.allocations(), e.getValue(), state.nextIndex()));
            }
        }
        return placed;
    }

    /** Takes back from aside what the room grown since the last look could help. */
    private void wake() {
        if (!state.fill.hasGrown() && releasedRoles.isEmpty()) {
            return;
        }
        List<AgentLedger> grown = state.fill.takeGrowth();
        if (grown == null) {
            aside.clear();
        } else if (!aside.isEmpty()) {
            Map<String, Integer> lowestVictim = new HashMap<>(); // per grown agent, filled when first asked: the lowest priority a preemption could take there
            aside.values().removeIf(e -> switch (e.by()) {
                case GUARANTEES -> true; // any room, anywhere, may leave enough for what is held back
                case ROLE_LIMIT -> releasedRoles.contains(e.role());
                case AGENTS, REGEX_CUT -> couldHost(grown, e, lowestVictim);
            });
        }
        releasedRoles.clear();
    }

    /**
     * Whether one of {@code grown} could now hold one unit of {@code e}: ready, not draining, its disk not nearly full, at
     * least that large, and either that much free now or holding a preemptible allocation of lower
     * priority (growth there may have left a preemption enough room). A request that needs two
     * CPUs is not tried again when one CPU is freed on a full agent.
     */
    private boolean couldHost(List<AgentLedger> grown, Aside e, Map<String, Integer> lowestVictim) {
        Resources unit = e.unit();
        for (AgentLedger l : grown) {
            if (l.ready() && !l.draining() && !l.diskPressure() && unit.fitsIn(l.total())
                    && (free(l, unit) || lowestVictim.computeIfAbsent(l.id(), id -> lowestPreemptible(l)) < e.priority())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code unit} fits in what {@code l} has free now (its GPUs device by device). */
    private static boolean free(AgentLedger l, Resources unit) {
        if (unit.cpuMillis() > l.freeCpu() || unit.memoryMib() > l.freeMemory() || unit.diskMib() > l.freeDisk() || !l.fitsGpus(unit.gpuMillis())) {
            return false;
        }
        for (Map.Entry<String, Long> x : unit.scalars().entrySet()) {
            if (x.getValue() > l.freeScalar(x.getKey())) {
                return false;
            }
        }
        return true;
    }

    /** The lowest priority among the preemptible allocations on {@code l}, or {@link Integer#MAX_VALUE} when it has none. */
    private int lowestPreemptible(AgentLedger l) {
        int lowest = Integer.MAX_VALUE;
        for (String id : state.liveByAgent.getOrDefault(l.id(), Set.of())) {
            AllocationInfo a = state.allocations.get(id);
            if (a.preemptible()) {
                lowest = Math.min(lowest, a.priority());
            }
        }
        return lowest;
    }

    /**
     * Whether the last cycle set a request aside because its role's patterns were cut short: a
     * follow-up cycle would reach more agents for it. A flag of the cycle, not a scan of what
     * waits aside, since the engine asks after every command; every cycle that cuts one short asks
     * for a follow-up, and a follow-up takes back every such request ({@link #resumeCut}), so none
     * is left behind when a later cycle that skipped it clears the flag.
     */
    boolean cutPending() {
        return cutLastCycle;
    }

    /** Takes back from aside every request its role's patterns were cut short on, for the next cycle to go on where they stopped. */
    void resumeCut() {
        aside.values().removeIf(e -> e.by() == HeldBy.REGEX_CUT);
    }

    /** An allocation of {@code role} ended: what its limit held back may pass. */
    void released(String role) {
        releasedRoles.add(role);
    }

    /** A request is no longer pending (placed, cancelled): its parsed ask and its place aside are dropped. */
    void forget(String requestId) {
        asks.remove(requestId);
        aside.remove(requestId);
    }

    void mode(AsideMode m) {
        mode = m;
    }

    /** How many pending requests wait aside for room to grow. */
    int asideCount() {
        return aside.size();
    }

    private Attempt attempt(RequestInfo r, Instant now, dev.steward.allocator.placement.RegexWork regex) {
        Ask ask = asks.computeIfAbsent(r.id(), k -> r.request().parse());
        int units = ask.gang() ? ask.count() - r.placed() : 1;
        RoleRecord role = state.roles.get(r.role());
        Resources want = ask.shape().times(units);
        String limit = Quotas.limitReason(role, state.sorter.allocation(role.name()), want);
        if (limit != null) {
            return blocked(now, limit, HeldBy.ROLE_LIMIT);
        }
        String guarantee = Quotas.guaranteeReason(role.name(), state.roles.values(), state.sorter, state.readyTotal, want);
        if (guarantee != null) {
            return blocked(now, guarantee, HeldBy.GUARANTEES);
        }
        List<Choice> chosen = new ArrayList<>();
        List<Choice> held = new ArrayList<>();
        Map<String, Set<String>> taken = distinctTaken(r, ask);
        Map<String, Integer> siblings = siblings(r);
        List<AllocationInfo> preempted = List.of();
        for (int i = 0; i < units; i++) {
            PlacementAsk pa = new PlacementAsk(r.id(), ask, taken, siblings, regex);
            Outcome o = stack.placeOne(pa, state.fill);
            if (!o.placed() && !ask.gang() && !(regex.cut() && hasRegex(ask))) { // agents not reached may have room: no one is preempted for it
                preempted = preemptor.preempt(r, ask, pa, now);
                if (!preempted.isEmpty()) {
                    o = stack.placeOne(pa, state.fill);
                }
            }
            if (!o.placed()) {
                undo(held, ask);
                String gang = ask.gang() ? "gang of " + units + ": only " + i + " fit at once; " : null;
                PlacementDiagnosis d = o.diagnosis(now, null);
                return new Attempt(0, gang == null ? d : new PlacementDiagnosis(now, d.agentsEvaluated(), d.rejections(), null, gang + d.summary()),
                        regex.cut() && hasRegex(ask) ? HeldBy.REGEX_CUT : HeldBy.AGENTS);
            }
            Choice c = o.choice();
            if (i + 1 < units) { // tentatively, so the next unit sees it (the last needs none: a free would forget known failures)
                c.agent().reserve(ask.shape(), c.gpus(), c.ports());
                held.add(c);
            }
            chosen.add(c);
            addTaken(taken, ask, c.agent());
        }
        undo(held, ask);
        commit(r, ask, chosen, preempted, now);
        return new Attempt(chosen.size(), null, null);
    }

    static boolean hasRegex(Ask ask) {
        for (Constraint c : ask.constraints()) {
            if (c.parsedOp() == Constraint.Op.REGEX) {
                return true;
            }
        }
        return false;
    }

    private static void undo(List<Choice> chosen, Ask ask) {
        for (Choice c : chosen) {
            c.agent().undo(ask.shape(), c.gpus(), c.ports());
        }
    }

    /** Places {@code chosen}; {@code preempted}: the allocations ended to make room for it (a preemption places one unit). */
    private void commit(RequestInfo r, Ask ask, List<Choice> chosen, List<AllocationInfo> preempted, Instant now) {
        List<String> ids = new ArrayList<>(r.allocations());
        for (Choice c : chosen) {
            String id = state.ids.get();
            String name = ask.name() + "-" + ids.size();
            String placed = "placed on agent " + c.agent().name() + (preempted.isEmpty() ? "" : ", in the room of " + Preemptor.describe(preempted));
            AllocationInfo a = new AllocationInfo(id, r.id(), r.role(), name, c.agent().id(), c.agent().name(), AgentInfo.hostOf(c.agent().attributes()), ask.shape(), c.gpus(), c.ports(),
                    ask.priority(), ask.preemptible(), AllocationState.ALLOCATED, placed, ask.ttl().toMillis(),
                    now.plus(ask.ttl()), now, List.of(new HistoryEvent(now, AllocationState.ALLOCATED.name(), placed)),
                    state.nextIndex(), state.nextIndex(), preempted.isEmpty() ? null : preempted.stream().map(AllocationInfo::id).toList());
            state.place(a);
            ids.add(id);
        }
        int placed = r.placed() + chosen.size();
        boolean done = placed >= ask.count();
        state.putRequest(Records.request(r, done ? RequestState.PLACED : RequestState.PENDING, placed, ids, done ? null : r.why(), state.nextIndex()));
    }

    /** For an instance of a service: agent id → how many of the service's other live instances it holds. */
    private Map<String, Integer> siblings(RequestInfo r) {
        List<String> others = state.services().siblingRequests(r.id());
        if (others.isEmpty()) {
            return Map.of();
        }
        Map<String, Integer> out = new HashMap<>();
        for (String rid : others) {
            RequestInfo o = state.requests.get(rid);
            for (String id : o == null ? List.<String>of() : o.allocations()) {
                AllocationInfo a = state.allocations.get(id);
                if (a != null && !a.state().terminal() && a.agentId() != null) {
                    out.merge(a.agentId(), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    private Map<String, Set<String>> distinctTaken(RequestInfo r, Ask ask) {
        Map<String, Set<String>> taken = new HashMap<>();
        if (ask.constraints().stream().noneMatch(c -> c.parsedOp() == Constraint.Op.DISTINCT)) {
            return taken;
        }
        for (String id : r.allocations()) {
            AllocationInfo a = state.allocations.get(id);
            AgentLedger l = a == null || a.state().terminal() ? null : state.ledgers.get(a.agentId());
            if (l != null) {
                addTaken(taken, ask, l);
            }
        }
        return taken;
    }

    static void addTaken(Map<String, Set<String>> taken, Ask ask, AgentLedger l) {
        for (Constraint c : ask.constraints()) {
            if (c.parsedOp() == Constraint.Op.DISTINCT) {
                String key = c.attribute() == null || c.attribute().isBlank() ? "agent" : c.attribute();
                String v = l.attribute(key);
                if (v != null) {
                    taken.computeIfAbsent(key, k -> new HashSet<>()).add(v);
                }
            }
        }
    }

    private static Attempt blocked(Instant now, String why, HeldBy by) {
        return new Attempt(0, new PlacementDiagnosis(now, 0, Map.of(), why, why), by);
    }

    private static boolean same(PlacementDiagnosis a, PlacementDiagnosis b) {
        return a != null && b != null && a.agentsEvaluated() == b.agentsEvaluated() && Objects.equals(a.rejections(), b.rejections())
                && Objects.equals(a.blockedBy(), b.blockedBy()) && Objects.equals(a.summary(), b.summary());
    }
}
