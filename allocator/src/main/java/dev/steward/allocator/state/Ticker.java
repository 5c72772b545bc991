package dev.steward.allocator.state;

import dev.steward.api.AgentInfo;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestInfo;

import java.time.Instant;
import java.util.List;

/**
 * What the passing of time does to a {@link ClusterState}: the heartbeats recorded since the last
 * tick are folded in, silent agents are lost, leases expire, old ended records are forgotten, and
 * the ready agents are published for the heartbeat route. Agents and allocations wait in due-time
 * queues ({@link DueQueue}), so a tick looks only at what is due; every {@link #SWEEP} it also
 * passes over everything.
 */
final class Ticker {
    private Ticker() {
    }

    /**
     * How often the ticker also passes over every record, as a safety net for any due time not
     * queued (records restored after a restart, a path that forgot to queue): the queues make a
     * tick cost what is due, the sweep bounds how late anything missed can be.
     */
    static final java.time.Duration SWEEP = java.time.Duration.ofSeconds(10);

    /** Marks agents past their heartbeat grace lost (with their allocations), expires leases, forgets old ended records. */
    static void tick(ClusterState s, Instant now) {
        for (var beat : s.heartbeats.drain()) { // heartbeats first: who is lost is decided on the latest word of every agent
            AgentInfo a = s.agents.get(beat.getKey());
            if (a != null) {
                Instant at = beat.getValue().at().isAfter(a.lastHeartbeat()) ? beat.getValue().at() : a.lastHeartbeat(); // never back in time
                Membership.heartbeat(s, a.id(), beat.getValue().usage(), beat.getValue().busyPorts(), at);
            }
        }
        boolean sweep = s.lastSweep == null || !now.isBefore(s.lastSweep.plus(SWEEP)) || now.isBefore(s.lastSweep);
        if (sweep) {
            s.lastSweep = now;
        }
        for (String id : sweep ? List.copyOf(s.agents.keySet()) : s.agentsDue.poll(now)) {
            AgentInfo a = s.agents.get(id);
            if (a == null || a.status() != AgentStatus.READY) {
                continue; // becoming READY again (a heartbeat, a join) queues it again
            }
            Instant deadline = a.lastHeartbeat().plus(s.config.heartbeatGrace());
            if (!deadline.isBefore(now)) {
                s.agentsDue.set(id, deadline.plusNanos(1)); // heard from meanwhile: look again when its grace would run out
                continue;
            }
            s.agentsDue.remove(id);
            s.agents.put(a.id(), Records.agent(a, AgentStatus.LOST, a.draining(), a.lastHeartbeat(), a.usage(), s.nextIndex()));
            s.ledgers.get(a.id()).setReady(false);
            s.readyChanged = true;
            s.changes.agents.add(a.id());
            for (String allocId : List.copyOf(s.liveByAgent.get(a.id()))) {
                s.end(s.allocations.get(allocId), AllocationState.LOST, "agent " + a.name() + " missed heartbeats for "
                        + dev.steward.api.Units.format(s.config.heartbeatGrace()), now);
            }
            s.refreshTotal();
        }
        Instant horizon = now.minus(s.config.retention());
        for (String id : sweep ? List.copyOf(s.allocations.keySet()) : s.allocationsDue.poll(now)) {
            AllocationInfo a = s.allocations.get(id);
            if (a == null) {
                continue;
            }
            if (!a.state().terminal() && !a.expiresAt().isAfter(now)) {
                s.end(a, AllocationState.EXPIRED, Membership.expiryReason(s, a), now);
            } else if (a.state().terminal() && lastEvent(a).isBefore(horizon)) {
                s.allocations.remove(a.id());
                s.allocationsDue.remove(a.id());
                s.removed.add(a.id());
                s.tasks().forget(a.id());
            } else {
                s.allocationsDue.set(id, dueAt(s, a)); // renewed or ended meanwhile: look again when that is due
            }
        }
        if (sweep) {
            for (RequestInfo r : List.copyOf(s.requests.values())) {
                if (r.state().terminal() && r.allocations().stream().noneMatch(s.allocations::containsKey) && r.createdAt().isBefore(horizon)) {
                    s.requests.remove(r.id());
                    s.removed.add(r.id());
                }
            }
            JoinTokens.forgetSpent(s, horizon);
        }
        if (s.readyChanged || sweep) { // O(agents): only when who is ready may have changed
            java.util.Set<String> ready = new java.util.HashSet<>();
            s.agents.values().forEach(a -> {
                if (a.status() == AgentStatus.READY) {
                    ready.add(a.id());
                }
            });
            s.heartbeats.publishReady(ready);
            s.readyChanged = false;
        }
    }

    /** When time alone next changes an allocation: its lease runs out, or (ended) it is forgotten after the retention. */
    static Instant dueAt(ClusterState s, AllocationInfo a) {
        return a.state().terminal() ? lastEvent(a).plus(s.config.retention()).plusNanos(1) : a.expiresAt();
    }

    private static Instant lastEvent(AllocationInfo a) {
        return a.history().isEmpty() ? a.createdAt() : a.history().get(a.history().size() - 1).at();
    }
}
