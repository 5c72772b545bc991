package dev.steward.allocator.state;

import dev.steward.api.AgentInfo;
import dev.steward.api.AgentRegistration.AgentSpec;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Agents joining, reporting, draining and being forgotten: the membership commands of a {@link ClusterState}. */
final class Membership {
    private Membership() {
    }

    /**
     * Registers a new agent; a name held by a lost agent is taken over (the lost one is forgotten).
     * It joined from {@code from} (the connection's address; null: not known) with the minted join
     * token {@code joinToken} (its id; null: another token), which it uses up by one.
     */
    static AgentInfo register(ClusterState s, AgentSpec spec, String tokenHash, String joinToken, String from, Instant now) {
        String same = s.agentByName.get(spec.name());
        AgentInfo a0 = same == null ? null : s.agents.get(same);
        if (a0 != null && a0.status() != AgentStatus.LOST) {
            throw new Conflict("an agent named '" + spec.name() + "' is already registered and ready (id " + a0.id()
                    + "); a restarted agent keeps its id and token, a new machine needs a new name");
        }
        TokenRecord minted = joinToken == null ? null : JoinTokens.usable(s, joinToken); // checked, like the name, before anything changes
        if (a0 != null) {
            forget(s, a0.id());
        }
        if (minted != null) {
            JoinTokens.use(s, minted);
        }
        String id = s.ids.get();
        AgentInfo a = new AgentInfo(id, spec.name(), AgentStatus.READY, false, spec.total(), spec.gpus(), spec.gpuModel(), spec.ports(),
                spec.attributes(), now, now, Map.of(), null, s.nextIndex(), s.nextIndex(), null, new AgentInfo.Joined(from, joinToken));
        s.putAgent(a);
        s.addToken(new TokenRecord(tokenHash, TokenRecord.Kind.AGENT, id, "agent " + spec.name(), now, null));
        return a;
    }

    /** An agent reports changed resources or attributes; what it already holds stays. */
    static AgentInfo update(ClusterState s, String id, AgentSpec spec, Instant now) {
        AgentInfo a = s.agent(id);
        AgentInfo b = new AgentInfo(id, a.name(), a.status(), a.draining(), spec.total(), spec.gpus(), spec.gpuModel(), spec.ports(),
                spec.attributes(), a.registeredAt(), now, a.usage(), null, a.createIndex(), s.nextIndex(), a.drainDeadline(), a.joined());
        s.agents.put(id, b);
        s.ledgers.get(id).update(spec.attributes(), spec.total(), spec.gpus(), spec.gpuModel(), spec.ports());
        s.changes.agents.add(id);
        s.refreshTotal();
        return b;
    }

    /**
     * An admin forgets a lost agent, as {@code nomad node purge} or {@code kubectl delete node}: a
     * machine gone for good stops being listed, and its token stops working. Only a lost agent:
     * a live one still runs what it holds.
     */
    static AgentInfo forgetLost(ClusterState s, String id) {
        AgentInfo a = s.agent(id);
        if (a.status() != AgentStatus.LOST) {
            throw new Conflict("agent " + a.name() + " (" + id + ") is " + a.status() + ", not lost: only a lost agent is forgotten; drain it "
                    + "(steward agents drain " + a.name() + "), stop it, and forget it once it is lost");
        }
        forget(s, id);
        return a;
    }

    private static void forget(ClusterState s, String id) {
        AgentInfo gone = s.agents.remove(id);
        s.readyChanged = true;
        if (gone != null) {
            s.agentByName.remove(gone.name(), id);
        }
        s.agentsDue.remove(id);
        s.fill.remove(s.ledgers.remove(id));
        s.liveByAgent.remove(id);
        s.tokens.values().removeIf(t -> {
            boolean mine = t.kind() == TokenRecord.Kind.AGENT && t.subject().equals(id);
            if (mine) {
                s.removed.add(t.hash());
            }
            return mine;
        });
        s.removed.add(id);
        s.refreshTotal();
    }

    /**
     * A heartbeat: the agent is alive (a lost one comes back READY) and reports its usage. Only a
     * return from LOST is a change to persist and to wake watchers for; the time and the usage
     * (telemetry) are kept in memory, so heartbeats cost no disk sync and no index.
     */
    static AgentInfo heartbeat(ClusterState s, String id, Map<String, Long> usage, List<Integer> busyPorts, Instant now) {
        AgentInfo a = s.agent(id);
        boolean back = a.status() == AgentStatus.LOST;
        s.readyChanged |= a.status() != AgentStatus.READY;
        boolean changed = back;
        AgentInfo b = Records.agent(a, AgentStatus.READY, a.draining(), now, usage == null ? a.usage() : Map.copyOf(usage),
                changed ? s.nextIndex() : a.modifyIndex());
        s.agents.put(id, b);
        s.agentsDue.setIfAbsent(id, now.plus(s.config.heartbeatGrace()).plusNanos(1));
        s.ledgers.get(id).setReady(true);
        if (usage != null && s.ledgers.get(id).setDiskPressure(dev.steward.api.Heartbeat.diskPressure(usage))) {
            s.wantCycle(); // room came back without any change to store: what waits is tried again now
        }
        if (busyPorts != null) {
            s.ledgers.get(id).hostBusy(busyPorts); // in memory, like the usage: what the host holds now is never lent
        }
        if (changed) {
            s.changes.agents.add(id);
        }
        if (back) {
            s.refreshTotal();
        }
        return b;
    }

    /**
     * Drains an agent (no new placements; its allocations are asked to leave) or makes it
     * eligible again. With a {@code deadline}, the leases of the allocations still there end by
     * then: each is cut to the deadline, and renewals do not pass it ({@link #leaseEnd}). A
     * drain again changes the deadline (null: none).
     */
    static AgentInfo setDraining(ClusterState s, String id, boolean draining, java.time.Duration deadline, Instant now) {
        AgentInfo a = s.agent(id);
        Instant until = draining && deadline != null ? now.plus(deadline) : null;
        if (a.draining() == draining && java.util.Objects.equals(a.drainDeadline(), until)) {
            return a;
        }
        AgentInfo b = Records.agent(a, a.status(), draining, until, a.lastHeartbeat(), a.usage(), s.nextIndex());
        s.agents.put(id, b);
        s.ledgers.get(id).setDraining(draining);
        s.changes.agents.add(id);
        for (String allocId : List.copyOf(s.liveByAgent.get(id))) {
            AllocationInfo al = s.allocations.get(allocId);
            if (draining && al.state() == AllocationState.ALLOCATED) {
                al = Records.transition(al, AllocationState.LEAVING, "agent " + a.name() + " is draining: release this allocation"
                        + (until == null ? "" : " by " + until), now, s.nextIndex(), s.config.historyLimit());
                s.putAllocation(al);
            } else if (!draining && al.state() == AllocationState.LEAVING && (al.reason() == null || !al.reason().startsWith(ClusterState.RESTARTED))) { // a restart's stays
                s.putAllocation(Records.transition(al, AllocationState.ALLOCATED, "agent " + a.name() + " is eligible again", now, s.nextIndex(),
                        s.config.historyLimit()));
            }
            if (until != null && al.state() == AllocationState.LEAVING && al.expiresAt().isAfter(until)) {
                s.putAllocation(Records.expiresAt(al, until, "lease cut to the drain deadline of agent " + a.name(), now, s.nextIndex(),
                        s.config.historyLimit()));
            }
        }
        s.refreshTotal();
        return b;
    }

    /**
     * Asks one allocation to leave: ALLOCATED to LEAVING with {@code reason}, as a drain asks each
     * allocation on its agent (its holder releases it when it is ready: for a service's instance,
     * once a fresh one has taken its place). One leaving already is left as it is.
     */
    static AllocationInfo askToLeave(ClusterState s, String id, String reason, Instant now) {
        AllocationInfo al = s.allocation(id);
        if (al.state() == AllocationState.ALLOCATED) {
            al = Records.transition(al, AllocationState.LEAVING, reason, now, s.nextIndex(), s.config.historyLimit());
            s.putAllocation(al);
        }
        return al;
    }

    /** When a lease renewed at {@code now} for {@code ttlMillis} ends: never past the drain deadline of the agent it is on. */
    static Instant leaseEnd(ClusterState s, AllocationInfo a, long ttlMillis, Instant now) {
        Instant end = now.plusMillis(ttlMillis);
        Instant deadline = drainDeadline(s, a);
        return deadline != null && end.isAfter(deadline) ? (deadline.isAfter(now) ? deadline : now) : end;
    }

    /** The drain deadline of the agent {@code a} is on, or null. */
    private static Instant drainDeadline(ClusterState s, AllocationInfo a) {
        AgentInfo agent = s.agents.get(a.agentId());
        return agent == null ? null : agent.drainDeadline();
    }

    /** Why a lease that ran out ended: the drain deadline of its agent, or no renewal. */
    static String expiryReason(ClusterState s, AllocationInfo a) {
        Instant deadline = drainDeadline(s, a);
        if (deadline != null && !a.expiresAt().isBefore(deadline)) {
            return "agent " + a.agentName() + " was drained with a deadline of " + deadline + ", and this allocation had not left by then";
        }
        return "lease expired at " + a.expiresAt() + " without renewal";
    }
}
