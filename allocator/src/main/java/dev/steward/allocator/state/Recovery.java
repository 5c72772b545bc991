package dev.steward.allocator.state;

import dev.steward.api.AgentInfo;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.RequestInfo;
import dev.steward.api.TaskInfo;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Rebuilding a {@link ClusterState} from stored records, and what a restart owes agents and lease holders. */
final class Recovery {
    private Recovery() {
    }

    /** Rebuilds ledgers, the fill index, the sorter and the pending queues from the records. */
    static void restore(ClusterState s, Collection<RoleRecord> rs, Collection<AgentInfo> as, Collection<RequestInfo> qs,
                        Collection<AllocationInfo> als, Collection<TokenRecord> ts, Collection<TaskInfo> tks) {
        s.tasks().restore(tks);
        rs.forEach(r -> {
            s.roles.put(r.name(), r);
            s.sorter.add(r.name(), r.weight(), r.guarantee());
        });
        as.forEach(s::putAgent);
        qs.stream().sorted(Comparator.comparingLong(RequestInfo::sequence)).forEach(s::putRequest);
        als.stream().sorted(Comparator.comparingLong(AllocationInfo::createIndex)).forEach(a -> {
            if (a.state().terminal()) {
                s.allocations.put(a.id(), a);
            } else {
                s.restoreLive(a);
            }
        });
        ts.forEach(t -> s.tokens.put(t.hash(), t));
        s.changes.clear();
    }

    /**
     * After a restart, agents get a fresh heartbeat grace and leases that ran out while the
     * allocator was down get one grace period to be renewed: their holders could not reach us.
     */
    static void afterRestart(ClusterState s, Instant now) {
        freshGraces(s, now, "while the allocator was down");
    }

    /**
     * The allocator could not hear its agents for a while (it was down, or stalled): no agent is
     * blamed for that. Every ready agent gets a fresh heartbeat grace from {@code now} (Nomad
     * resets its heartbeat timers when a leader takes over), and a lease that ran out meanwhile
     * is extended by one grace, since its holder could not renew it. In memory, like heartbeats.
     */
    static void freshGraces(ClusterState s, Instant now, String when) {
        for (AgentInfo a : List.copyOf(s.agents.values())) {
            if (a.status() == AgentStatus.READY && a.lastHeartbeat().isBefore(now)) {
                s.agents.put(a.id(), new AgentInfo(a.id(), a.name(), a.status(), a.draining(), a.total(), a.gpus(), a.gpuModel(), a.ports(),
                        a.attributes(), a.registeredAt(), now, a.usage(), null, a.createIndex(), a.modifyIndex(), a.drainDeadline(), a.joined()));
            }
        }
        for (AllocationInfo a : List.copyOf(s.allocations.values())) {
            if (!a.state().terminal() && !a.expiresAt().isAfter(now)) {
                s.putAllocation(Records.expiresAt(a, now.plus(s.config.heartbeatGrace()), "lease ran out " + when + "; extended by one grace period",
                        now, s.nextIndex(), s.config.historyLimit()));
            }
        }
    }
}
