package dev.steward.allocator.http;

import dev.steward.allocator.placement.AgentLedger;
import dev.steward.allocator.state.ClusterState;
import dev.steward.api.AgentInfo;
import dev.steward.api.Resources;

/**
 * An agent's record with its ledger's total and what it holds, all immutable: what a read of the
 * agents takes on the owner thread (references only), so that lists and sums are made on the
 * thread that answers ({@link Handlers#queryInParts}).
 */
record AgentHeld(AgentInfo agent, Resources total, Resources used) {
    /** Every agent, on the owner thread. */
    static AgentHeld[] all(ClusterState s) {
        AgentHeld[] held = new AgentHeld[s.agents().size()];
        int i = 0;
        for (AgentInfo a : s.agents()) {
            AgentLedger l = s.ledger(a.id());
            held[i++] = new AgentHeld(a, l.total(), l.used());
        }
        return held;
    }

    /** The agent as the API shows it: its record with what its ledger holds. */
    AgentInfo view() {
        AgentInfo a = agent;
        return new AgentInfo(a.id(), a.name(), a.status(), a.draining(), a.total(), a.gpus(), a.gpuModel(), a.ports(), a.attributes(),
                a.registeredAt(), a.lastHeartbeat(), a.usage(), used, a.createIndex(), a.modifyIndex(), a.drainDeadline(), a.joined());
    }
}
