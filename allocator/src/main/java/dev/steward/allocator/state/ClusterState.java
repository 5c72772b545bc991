package dev.steward.allocator.state;

import dev.steward.allocator.fairness.DrfSorter;
import dev.steward.allocator.fairness.Sorter;
import dev.steward.allocator.placement.AgentLedger;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentRegistration.AgentSpec;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.Resources;
import dev.steward.api.RoleSpec;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The cluster as the allocator holds it: agents and their ledgers, roles, requests,
 * allocations and tokens, plus the change index. Owned by one thread; not thread-safe.
 * Every command takes {@code now}, changes records (stamped with {@link #nextIndex()}), and
 * names them in {@link #changes()}.
 */
public final class ClusterState {
    public static final String DEFAULT_ROLE = "default";

    final StateConfig config;
    final Supplier<String> ids;
    final Sorter sorter = new DrfSorter();
    final Changes changes = new Changes();
    long index;
    long sequence;
    /** What ready agents have in all; kept by {@link #refreshTotal} whenever an agent joins, changes, is lost or returns. */
    Resources readyTotal = Resources.ZERO;

    final Map<String, AgentInfo> agents = new LinkedHashMap<>();
    final Map<String, AgentLedger> ledgers = new LinkedHashMap<>();
    final dev.steward.allocator.placement.FillIndex fill = new dev.steward.allocator.placement.FillIndex();
    final Map<String, RoleRecord> roles = new TreeMap<>();
    final Map<String, RequestInfo> requests = new LinkedHashMap<>();
    final Map<String, AllocationInfo> allocations = new LinkedHashMap<>();
    /** Concurrent: authentication reads it from the server's threads without a hop to the owner; only the owner writes it. */
    final Map<String, TokenRecord> tokens = new java.util.concurrent.ConcurrentHashMap<>();
    final Heartbeats heartbeats = new Heartbeats();
    /** An agent may have become ready or stopped being ready since the ticker last told {@link #heartbeats}. */
    boolean readyChanged = true;
    /** Ready agents by when their heartbeat grace runs out, and allocations by when their lease runs out or they are forgotten: see {@link Ticker}. */
    final DueQueue agentsDue = new DueQueue();
    final DueQueue allocationsDue = new DueQueue();
    /** Agent names to ids: a join checks its name without a pass over every agent. */
    final Map<String, String> agentByName = new HashMap<>();
    /** When the ticker last passed over every record (null: never yet). */
    Instant lastSweep;
    final Map<String, Set<String>> liveByAgent = new HashMap<>();
    final Map<String, TreeSet<RequestInfo>> pendingByRole = new HashMap<>();
    final Set<String> removed = new LinkedHashSet<>();
    private final Scheduler scheduler;
    /** A follow-up cycle was asked for though nothing changed ({@link #resumeRegexCut}). Owner thread only. */
    private boolean cycleWanted;
    private final Tasks tasks = new Tasks(this);
    private final Packages packages = new Packages(this);
    private final Stats stats = new Stats();
    private final dev.steward.allocator.deploy.Services services = new dev.steward.allocator.deploy.Services(this);
    private final dev.steward.allocator.monitor.Monitors monitors = new dev.steward.allocator.monitor.Monitors(this);

    static final Comparator<RequestInfo> SERVICE_ORDER = Comparator
            .comparingInt((RequestInfo r) -> -priorityOf(r))
            .thenComparingLong(RequestInfo::sequence);

    public ClusterState(StateConfig config, Supplier<String> ids) {
        this.config = config;
        this.ids = ids;
        this.scheduler = new Scheduler(this);
    }

    // ---------------------------------------------------------------- index and changes

    public long index() {
        return index;
    }

    /** The index the current command's changes will carry. */
    public long nextIndex() {
        return index + 1;
    }

    public Changes changes() {
        return changes;
    }

    /** Ids deleted by the current command (forgotten records), in any table. */
    public Set<String> removed() {
        return removed;
    }

    /** Called by the engine once the current command's changes are durable. */
    public void commit() {
        if (!changes.isEmpty() || !removed.isEmpty()) {
            index++;
        }
        changes.clear();
        removed.clear();
        tasks.touchedKeys().clear();
    }

    /**
     * The keys of parked keyed queries ({@link dev.steward.allocator.engine.Engine#awaitIndex(String, java.util.function.ToLongFunction, long,
     * java.time.Duration)}) that the changes not yet committed concern: the engine wakes those and no others.
     */
    public java.util.Set<String> touchedKeys() {
        return java.util.Set.copyOf(tasks.touchedKeys());
    }

    /** Sets the index after recovery. */
    public void restoreIndex(long index, long sequence) {
        this.index = index;
        this.sequence = sequence;
    }

    public long sequence() {
        return sequence;
    }

    public StateConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- roles

    public RoleRecord putRole(String name, RoleSpec.Parsed spec) {
        RoleRecord old = roles.get(name);
        RoleRecord r = new RoleRecord(name, spec.weight(), spec.guarantee(), spec.limit(), old == null ? nextIndex() : old.createIndex(), nextIndex(),
                spec.users().isEmpty() ? null : spec.users(), spec.maxPriority() == dev.steward.api.Limits.MAX_PRIORITY ? null : spec.maxPriority());
        roles.put(name, r);
        sorter.add(name, r.weight(), r.guarantee());
        changes.roles.add(name);
        if (old == null || !java.util.Objects.equals(old.limit(), r.limit()) || !java.util.Objects.equals(old.guarantee(), r.guarantee())) {
            fill.roleQuotasChanged(); // what a limit or a guarantee held back may be let through now; a weight only orders
        }
        return r;
    }

    /** The highest priority role {@code name} may ask at (any, for a role not made yet). */
    public int priorityCap(String name) {
        RoleRecord r = roles.get(name);
        return r == null ? dev.steward.api.Limits.MAX_PRIORITY : r.priorityCap();
    }

    /** Refuses (403) {@code priority} above role {@code name}'s cap ({@link RoleRecord#allowPriority}); any, for a role not made yet. */
    public void allowPriority(String name, int priority, String what) {
        RoleRecord r = roles.get(name);
        if (r != null) {
            r.allowPriority(priority, what);
        }
    }

    /** What a request or a new service of role {@code name} that names no priority asks at: the default, or the role's cap if lower. */
    public int defaultPriority(String name) {
        return Math.min(dev.steward.api.Limits.DEFAULT_PRIORITY, priorityCap(name));
    }

    /** Role {@code name}, or null when there is none. */
    public RoleRecord roleOrNull(String name) {
        return roles.get(name);
    }

    public RoleRecord role(String name) {
        RoleRecord r = roles.get(name);
        if (r == null) {
            throw new NotFound("role", name);
        }
        return r;
    }

    // ---------------------------------------------------------------- tokens

    public void addToken(TokenRecord t) {
        tokens.put(t.hash(), t);
        changes.tokens.add(t.hash());
    }

    /**
     * Revokes the token named {@code id} ({@link TokenRecord#idOf}): from the next call on, it is
     * refused (401) as a token never issued. An agent's token revoked shuts that agent out: it is
     * lost after its grace, with its allocations.
     */
    public TokenRecord revokeToken(String id) {
        return TokenRevocation.revoke(this, id);
    }

    /** The heartbeats of ready agents, recorded off the owner thread and folded in by {@link #tick}. */
    /**
     * Rotates the role token named {@code id} ({@link TokenRotation}): a new one, whose hash is
     * {@code newHash}, and the old one accepted for {@code grace} more. Returns {old, new}.
     */
    public TokenRecord[] rotateToken(String id, String newHash, Duration grace, Instant now) {
        return TokenRotation.rotate(this, id, newHash, grace, now);
    }

    public Heartbeats heartbeats() {
        return heartbeats;
    }

    /**
     * Keeps a token's last use ({@link dev.steward.allocator.auth.TokenUse}: when, from which
     * address) if it is later than the one stored; a token gone meanwhile, or an agent's (whose
     * use is its heartbeat), is left as it is.
     */
    public void noteTokenUse(String hash, Instant at, String from) {
        TokenRecord t = tokens.get(hash);
        if (t != null && t.kind() != TokenRecord.Kind.AGENT && at != null && (t.lastUsedAt() == null || at.isAfter(t.lastUsedAt()))) {
            addToken(t.withLastUse(at, from));
        }
    }

    /** The token with this hash, or null. Safe from any thread: the map is concurrent and its records immutable, so requests are authenticated off the owner. */
    public TokenRecord token(String hash) {
        return tokens.get(hash);
    }

    // ---------------------------------------------------------------- agents

    /** Registers a new agent; a name held by a lost agent is taken over; see {@link Membership}. */
    public AgentInfo registerAgent(AgentSpec spec, String tokenHash, Instant now) {
        return registerAgent(spec, tokenHash, null, null, now);
    }

    /**
     * As above, for an agent whose join came from {@code from} (null: not known) with the minted
     * join token {@code joinToken} (its id; null: another token), which it uses up by one.
     */
    public AgentInfo registerAgent(AgentSpec spec, String tokenHash, String joinToken, String from, Instant now) {
        return Membership.register(this, spec, tokenHash, joinToken, from, now);
    }

    /** An agent reports changed resources or attributes; see {@link Membership}. */
    public AgentInfo updateAgent(String id, AgentSpec spec, Instant now) {
        return Membership.update(this, id, spec, now);
    }

    void putAgent(AgentInfo a) {
        agents.put(a.id(), a);
        agentByName.put(a.name(), a.id());
        readyChanged = true;
        if (a.status() == AgentStatus.READY) {
            agentsDue.setIfAbsent(a.id(), a.lastHeartbeat().plus(config.heartbeatGrace()).plusNanos(1));
        }
        AgentLedger l = new AgentLedger(a.id(), a.name(), a.attributes(), a.total(), a.gpus(), a.gpuModel(), a.ports());
        l.setReady(a.status() == AgentStatus.READY);
        l.setDraining(a.draining());
        l.setDiskPressure(dev.steward.api.Heartbeat.diskPressure(a.usage())); // as its last heartbeat said, until the next
        AgentLedger old = ledgers.put(a.id(), l);
        if (old != null) {
            fill.remove(old);
        }
        fill.add(l);
        liveByAgent.computeIfAbsent(a.id(), k -> new LinkedHashSet<>());
        changes.agents.add(a.id());
        refreshTotal();
    }

    public AgentInfo agent(String id) {
        AgentInfo a = agents.get(id);
        if (a == null) {
            throw new NotFound("agent", id);
        }
        return a;
    }

    /** A heartbeat; see {@link Membership}. */
    public AgentInfo heartbeat(String id, Map<String, Long> usage, Instant now) {
        return Membership.heartbeat(this, id, usage, null, now);
    }

    /** A heartbeat that also reports the lent ports something on the agent's host holds. */
    public AgentInfo heartbeat(String id, Map<String, Long> usage, java.util.List<Integer> busyPorts, Instant now) {
        return Membership.heartbeat(this, id, usage, busyPorts, now);
    }

    /** Drains an agent or makes it eligible again; see {@link Membership}. */
    public AgentInfo setDraining(String id, boolean draining, Instant now) {
        return Membership.setDraining(this, id, draining, null, now);
    }

    /** Forgets a lost agent and its token ({@link Membership#forgetLost}); a 409 for one that is not lost. */
    public AgentInfo forgetAgent(String id) {
        return Membership.forgetLost(this, id);
    }

    /** Drains an agent; the leases of its allocations end by {@code deadline} from now (null: no deadline); see {@link Membership}. */
    public AgentInfo drain(String id, Duration deadline, Instant now) {
        return Membership.setDraining(this, id, true, deadline, now);
    }

    /** How the reason of an allocation asked to leave by the restart of its instance begins: its agent's drain, called off, leaves it so. */
    public static final String RESTARTED = "restarted by ";

    /** Asks one live allocation to leave ({@code LEAVING}, with {@code reason}), as a drain asks all of an agent's; see {@link Membership}. */
    public AllocationInfo askToLeave(String id, String reason, Instant now) {
        return Membership.askToLeave(this, id, reason, now);
    }

    /**
     * The sum of what ready agents have (the total DRF measures shares against, and guarantees
     * are held back from) may have changed: it is summed again when next needed ({@link #sumTotal}).
     */
    void refreshTotal() {
        totalStale = true; // summed once when next needed, not at every join of a thousand joining together
    }

    /** Whether an agent joined, changed, was lost or returned since the total was last summed. */
    private boolean totalStale;

    /** Sums what ready agents have, if that may have changed since last summed. */
    void sumTotal() {
        if (!totalStale) {
            return;
        }
        totalStale = false;
        Resources t = Resources.ZERO;
        for (AgentLedger l : ledgers.values()) {
            if (l.ready()) {
                t = t.plus(l.total());
            }
        }
        readyTotal = t;
        sorter.setTotal(t);
    }

    // ---------------------------------------------------------------- requests

    /** Takes a validated request for {@code role}; the engine then runs the scheduler in the same command. */
    public RequestInfo submit(String role, dev.steward.api.AllocateRequest wire, Instant now) {
        role(role);
        String id = ids.get();
        sequence++;
        RequestInfo r = new RequestInfo(id, role, wire, RequestState.PENDING, 0, List.of(), now, sequence, null, nextIndex(), nextIndex());
        putRequest(r);
        return r;
    }

    /**
     * A client's request for {@code role}, refused ({@link Conflict}) while the role already has
     * {@link StateConfig#maxPendingPerRole} requests pending, its services' instances included.
     * A service's instances are not refused here: the deploy controller asks for no new one
     * while the role is at the bound, and asks again as room comes. One above the role's
     * maxPriority is refused ({@link Forbidden}).
     */
    public RequestInfo submitFromClient(String role, dev.steward.api.AllocateRequest wire, Instant now) {
        role(role);
        int unnamed = defaultPriority(role);
        if (wire.priority() == null && unnamed != dev.steward.api.Limits.DEFAULT_PRIORITY) {
            wire = wire.withPriority(unnamed); // naming none asks at the default, or the role's cap if lower
        }
        allowPriority(role, dev.steward.api.Validation.range("priority", wire.priority(), 0, dev.steward.api.Limits.MAX_PRIORITY, unnamed), "the request");
        int pending = pendingCount(role);
        if (pending >= config.maxPendingPerRole()) {
            throw new Conflict("role '" + role + "' has " + pending + " requests pending (its services' instances included), the most a role may "
                    + "have (the allocator's --max-pending-per-role is " + config.maxPendingPerRole() + "); wait until some are placed, or cancel "
                    + "some (steward requests cancel ID, or DELETE /v1/requests/ID)");
        }
        return submit(role, wire, now);
    }

    void putRequest(RequestInfo r) {
        RequestInfo old = requests.put(r.id(), r);
        if (old != null && old.state() == RequestState.PENDING) {
            pendingByRole.get(old.role()).remove(old);
            if (r.state() != RequestState.PENDING) {
                scheduler.forget(r.id());
            }
        }
        if (r.state() == RequestState.PENDING) {
            pendingByRole.computeIfAbsent(r.role(), k -> new TreeSet<>(SERVICE_ORDER)).add(r);
        }
        changes.requests.add(r.id());
    }

    public RequestInfo request(String id) {
        RequestInfo r = requests.get(id);
        if (r == null) {
            throw new NotFound("request", id);
        }
        return r;
    }

    /**
     * Moves a pending request to {@code priority} (its service's priority changed): it takes its
     * new place among its role's pending requests and is tried afresh in the next cycle, where it
     * may preempt what its old priority could not. False when it is not pending or already there.
     */
    public boolean reprioritize(String id, int priority) {
        RequestInfo r = requests.get(id);
        if (r == null || r.state() != RequestState.PENDING || priorityOf(r) == priority) {
            return false;
        }
        putRequest(new RequestInfo(r.id(), r.role(), r.request().withPriority(priority), r.state(), r.placed(), r.allocations(), r.createdAt(),
                r.sequence(), r.why(), r.createIndex(), nextIndex()));
        scheduler.forget(id); // its ask (and any wait aside) was worked out at the old priority
        cycleWanted = true;
        return true;
    }

    /**
     * For a pending request that found no place: the lowest priority at which it would take the
     * room of preemptible allocations, when that is above its own and at most the role's cap;
     * else null ({@link Preemptor#leastPriority}): for a reason's hint, said once, never run per placement.
     */
    public Integer preemptingPriority(String id) {
        RequestInfo r = requests.get(id);
        if (r == null || r.state() != RequestState.PENDING) {
            return null;
        }
        return new Preemptor(this, new dev.steward.allocator.placement.PlacementStack()).leastPriority(r.request().parse(), priorityCap(r.role()));
    }

    /** Cancels a request: what is pending is dropped and what it holds is released. Idempotent. */
    public RequestInfo cancel(String id, Instant now) {
        RequestInfo r = request(id);
        if (r.state() == RequestState.CANCELLED) {
            return r;
        }
        for (String allocId : r.allocations()) {
            AllocationInfo a = allocations.get(allocId);
            if (a != null && !a.state().terminal()) {
                end(a, AllocationState.RELEASED, "request " + id + " was cancelled", now);
            }
        }
        RequestInfo c = Records.request(r, RequestState.CANCELLED, r.placed(), r.allocations(), r.why(), nextIndex());
        putRequest(c);
        return c;
    }

    /** Runs the allocation cycle: fair order, placement, preemption. */
    public int schedule(Instant now) {
        sumTotal();
        return scheduler.run(now);
    }

    /**
     * Whether a pending request's regex constraints were cut short this cycle, before every agent
     * was reached ({@link dev.steward.allocator.placement.RegexWork}): the engine then runs a
     * follow-up cycle ({@link #resumeRegexCut}) so the request does not wait for room to grow.
     */
    public boolean regexCutPending() {
        return scheduler.cutPending();
    }

    /** Makes the next {@link #schedule} go on with the requests whose regex constraints were cut short. */
    public void resumeRegexCut() {
        scheduler.resumeCut();
        cycleWanted = true;
    }

    /** Asks for a scheduling cycle after this command though nothing stored changed (an agent's disk has room again). */
    void wantCycle() {
        cycleWanted = true;
    }

    /** Whether a cycle was asked for though nothing changed ({@link #resumeRegexCut}); clears it. */
    public boolean takeCycleWanted() {
        boolean w = cycleWanted;
        cycleWanted = false;
        return w;
    }

    /**
     * Whether {@code needed} units of {@code ask} would find room now, placed on what is free (the
     * room of replaced allocations counted as free when the rollout frees it: {@code room}) and given back ({@link Rehearsal}):
     * for a deploy's plan. Changes nothing that is stored.
     */
    public dev.steward.api.DeployPlan.Placement rehearse(dev.steward.api.Ask ask, int needed, RolloutRoom room) {
        return Rehearsal.of(this, ask, needed, room);
    }

    /** How many pending requests found no place and wait for room to grow before they are tried again. */
    public int setAsideCount() {
        return scheduler.asideCount();
    }

    /** For tests: whether the cycle skips, tries, or tries and checks the requests it set aside. */
    void asideMode(Scheduler.AsideMode m) {
        scheduler.mode(m);
    }

    // ---------------------------------------------------------------- allocations and leases

    public AllocationInfo allocation(String id) {
        AllocationInfo a = allocations.get(id);
        if (a == null) {
            throw new NotFound("allocation", id);
        }
        return a;
    }

    void putAllocation(AllocationInfo a) {
        allocations.put(a.id(), a);
        allocationsDue.set(a.id(), Ticker.dueAt(this, a));
        changes.allocations.add(a.id());
    }

    /** Extends the lease by {@code ttl} (or the allocation's own TTL) from now. */
    public AllocationInfo renew(String id, Duration ttl, Instant now) {
        AllocationInfo a = allocation(id);
        if (a.state().terminal()) {
            throw new Conflict("allocation " + id + " has ended (" + a.state() + ": " + a.reason() + "); it cannot be renewed");
        }
        long t = ttl == null ? a.ttlMillis() : ttl.toMillis();
        AllocationInfo b = Records.renewed(a, t, Membership.leaseEnd(this, a, t, now), now, nextIndex(), config.historyLimit());
        putAllocation(b);
        return b;
    }

    /**
     * Records {@code message} as an {@code event} in a live allocation's history (a command run in
     * one of its tasks: who ran what, kept as its other events are).
     */
    public AllocationInfo note(String id, String event, String message, Instant now) {
        AllocationInfo a = allocation(id);
        if (a.state().terminal()) {
            throw new Conflict("allocation " + id + " has ended (" + a.state() + ": " + a.reason() + ")");
        }
        AllocationInfo b = Records.noted(a, event, message, now, nextIndex(), config.historyLimit());
        putAllocation(b);
        return b;
    }

    /** Releases an allocation; releasing one that has already ended changes nothing. */
    public AllocationInfo release(String id, String by, Instant now) {
        AllocationInfo a = allocation(id);
        if (a.state().terminal()) {
            return a;
        }
        return end(a, AllocationState.RELEASED, "released by " + by, now);
    }

    /** Ends a live allocation: frees its resources and records why. */
    AllocationInfo end(AllocationInfo a, AllocationState to, String reason, Instant now) {
        AllocationInfo b = Records.transition(a, to, reason, now, nextIndex(), config.historyLimit());
        putAllocation(b);
        AgentLedger l = ledgers.get(a.agentId());
        if (l != null) {
            l.free(a.resources(), a.gpuIndexes(), a.ports());
        }
        Set<String> live = liveByAgent.get(a.agentId());
        if (live != null) {
            live.remove(a.id());
        }
        sorter.unallocated(a.role(), a.resources());
        scheduler.released(a.role());
        tasks.allocationEnded(b, now);
        return b;
    }

    /** Records a new live allocation and reserves what it holds. */
    void place(AllocationInfo a) {
        ledgers.get(a.agentId()).reserve(a.resources(), a.gpuIndexes(), a.ports());
        RoleRecord role = roles.get(a.role());
        if (role != null && Quotas.owes(role, sorter.allocation(role.name()))) {
            fill.roleQuotasChanged(); // less is now held back for this role's guarantee: others' requests it held back may pass
        }
        recordLive(a);
    }

    /** Records a stored live allocation (on restore): held even on an agent that came back smaller than what it runs. */
    void restoreLive(AllocationInfo a) {
        ledgers.get(a.agentId()).hold(a.resources(), a.gpuIndexes(), a.ports());
        recordLive(a);
    }

    private void recordLive(AllocationInfo a) {
        liveByAgent.get(a.agentId()).add(a.id());
        sorter.allocated(a.role(), a.resources());
        putAllocation(a);
    }

    // ---------------------------------------------------------------- time

    /** Marks agents past their heartbeat grace lost (with their allocations), expires leases, forgets old ended records; see {@link Ticker}. */
    public void tick(Instant now) {
        Ticker.tick(this, now);
    }

    // ---------------------------------------------------------------- recovery

    /** Rebuilds ledgers, sorter and indexes from stored records (after a restart); see {@link Recovery}. */
    public void restore(Collection<RoleRecord> rs, Collection<AgentInfo> as, Collection<RequestInfo> qs, Collection<AllocationInfo> als,
                        Collection<TokenRecord> ts, Collection<dev.steward.api.TaskInfo> tks) {
        Recovery.restore(this, rs, as, qs, als, ts, tks);
    }

    /** Restores the stored packages' records. */
    public void restorePackages(Collection<dev.steward.api.PackageInfo> ps) {
        packages.restore(ps);
    }

    /** Fresh graces for agents and leases after the allocator stalled for a while; see {@link Recovery#freshGraces}. */
    public void freshGraces(Instant now, String when) {
        Recovery.freshGraces(this, now, when);
    }

    /** Fresh graces for agents and leases after a restart; see {@link Recovery}. */
    public void afterRestart(Instant now) {
        Recovery.afterRestart(this, now);
    }

    // ---------------------------------------------------------------- reads

    /**
     * Writes every task secret and service secret again (the store seals each with its active
     * key): after a key rotation, so the old keys can go. Returns how many tasks and service
     * secrets were written.
     */
    public int[] resealSecrets() {
        return new int[] {tasks.rewriteSecrets(), services().secrets().rewrite()};
    }

    /** The tasks running inside allocations. */
    public Tasks tasks() {
        return tasks;
    }

    /** Services, their revisions, deployments and instances. */
    public dev.steward.allocator.deploy.Services services() {
        return services;
    }

    /** Monitors' reports. */
    public dev.steward.allocator.monitor.Monitors monitors() {
        return monitors;
    }

    /** A fresh record id. */
    public String newId() {
        return ids.get();
    }

    /** The packages the allocator stores. */
    /** What the decisions did since this process started, for the metrics. */
    public Stats stats() {
        return stats;
    }

    public Packages packages() {
        return packages;
    }

    public AgentInfo agentOrNull(String id) {
        return agents.get(id);
    }

    public RequestInfo requestOrNull(String id) {
        return requests.get(id);
    }

    public AllocationInfo allocationOrNull(String id) {
        return allocations.get(id);
    }

    public Collection<AgentInfo> agents() {
        return agents.values();
    }

    public Collection<RoleRecord> roles() {
        return roles.values();
    }

    public Collection<RequestInfo> requests() {
        return requests.values();
    }

    public Collection<AllocationInfo> allocations() {
        return allocations.values();
    }

    public Collection<TokenRecord> tokens() {
        return tokens.values();
    }

    public AgentLedger ledger(String agentId) {
        return ledgers.get(agentId);
    }

    public Collection<AgentLedger> ledgers() {
        return ledgers.values();
    }

    public Sorter sorter() {
        sumTotal(); // shares are fractions of the total
        return sorter;
    }

    public int pendingCount(String role) {
        TreeSet<RequestInfo> p = pendingByRole.get(role);
        return p == null ? 0 : p.size();
    }

    static int priorityOf(RequestInfo r) {
        Integer p = r.request().priority();
        return p == null ? 50 : p;
    }
}
