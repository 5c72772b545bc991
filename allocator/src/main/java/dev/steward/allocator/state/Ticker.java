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
 * the ready agents are published for the heartbeat route.
 */
final class Ticker {
    private Ticker() {
    }

    /** Marks agents past their heartbeat grace lost (with their allocations), expires leases, forgets old ended records. */
    static void tick(ClusterState s, Instant now) {
        for (var beat : s.heartbeats.drain()) { // heartbeats first: who is lost is decided on the latest word of every agent
            AgentInfo a = s.agents.get(beat.getKey());
            if (a != null) {
                Instant at = beat.getValue().at().isAfter(a.lastHeartbeat()) ? beat.getValue().at() : a.lastHeartbeat(); // never back in time
                Membership.heartbeat(s, a.id(), beat.getValue().usage(), beat.getValue().busyPorts(), at);
            }
        }
        for (AgentInfo a : List.copyOf(s.agents.values())) {
            if (a.status() == AgentStatus.READY && a.lastHeartbeat().plus(s.config.heartbeatGrace()).isBefore(now)) {
                s.agents.put(a.id(), Records.agent(a, AgentStatus.LOST, a.draining(), a.lastHeartbeat(), a.usage(), s.nextIndex()));
                s.ledgers.get(a.id()).setReady(false);
                s.changes.agents.add(a.id());
                for (String allocId : List.copyOf(s.liveByAgent.get(a.id()))) {
                    s.end(s.allocations.get(allocId), AllocationState.LOST, "agent " + a.name() + " missed heartbeats for "
                            + dev.steward.api.Units.format(s.config.heartbeatGrace()), now);
                }
                s.refreshTotal();
            }
        }
        for (AllocationInfo a : List.copyOf(s.allocations.values())) {
            if (!a.state().terminal() && !a.expiresAt().isAfter(now)) {
                s.end(a, AllocationState.EXPIRED, "lease expired at " + a.expiresAt() + " without renewal", now);
            }
        }
        Instant horizon = now.minus(s.config.retention());
        for (AllocationInfo a : List.copyOf(s.allocations.values())) {
            if (a.state().terminal() && lastEvent(a).isBefore(horizon)) {
                s.allocations.remove(a.id());
                s.removed.add(a.id());
                s.tasks().forget(a.id());
            }
        }
        for (RequestInfo r : List.copyOf(s.requests.values())) {
            if (r.state().terminal() && r.allocations().stream().noneMatch(s.allocations::containsKey) && r.createdAt().isBefore(horizon)) {
                s.requests.remove(r.id());
                s.removed.add(r.id());
            }
        }
        java.util.Set<String> ready = new java.util.HashSet<>();
        s.agents.values().forEach(a -> {
            if (a.status() == AgentStatus.READY) {
                ready.add(a.id());
            }
        });
        s.heartbeats.publishReady(ready);
    }

    private static Instant lastEvent(AllocationInfo a) {
        return a.history().isEmpty() ? a.createdAt() : a.history().get(a.history().size() - 1).at();
    }
}
