package dev.steward.allocator.state;

import dev.steward.api.AgentInfo;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.HistoryEvent;
import dev.steward.api.PlacementDiagnosis;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Copy-with helpers for the immutable records the state keeps; each stamps the new modify index. */
final class Records {
    private Records() {
    }

    static AllocationInfo transition(AllocationInfo a, AllocationState to, String reason, Instant now, long index, int historyLimit) {
        Transitions.check(a.state(), to);
        List<HistoryEvent> h = append(a.history(), new HistoryEvent(now, to.name(), reason), historyLimit);
        return new AllocationInfo(a.id(), a.requestId(), a.role(), a.name(), a.agentId(), a.agentName(), a.host(), a.resources(), a.gpuIndexes(),
                a.ports(), a.priority(), a.preemptible(), to, reason, a.ttlMillis(), a.expiresAt(), a.createdAt(), h, a.createIndex(), index, a.preempted());
    }

    static AllocationInfo renewed(AllocationInfo a, long ttlMillis, Instant expiresAt, Instant now, long index, int historyLimit) {
        List<HistoryEvent> h = append(a.history(), new HistoryEvent(now, "RENEWED", "lease renewed until " + expiresAt), historyLimit);
        return new AllocationInfo(a.id(), a.requestId(), a.role(), a.name(), a.agentId(), a.agentName(), a.host(), a.resources(), a.gpuIndexes(),
                a.ports(), a.priority(), a.preemptible(), a.state(), a.reason(), ttlMillis, expiresAt, a.createdAt(), h, a.createIndex(), index, a.preempted());
    }

    static AllocationInfo expiresAt(AllocationInfo a, Instant expiresAt, String why, Instant now, long index, int historyLimit) {
        List<HistoryEvent> h = append(a.history(), new HistoryEvent(now, "RENEWED", why), historyLimit);
        return new AllocationInfo(a.id(), a.requestId(), a.role(), a.name(), a.agentId(), a.agentName(), a.host(), a.resources(), a.gpuIndexes(),
                a.ports(), a.priority(), a.preemptible(), a.state(), a.reason(), a.ttlMillis(), expiresAt, a.createdAt(), h, a.createIndex(), index, a.preempted());
    }

    /** The allocation with one more event in its history, nothing else changed (a command run in one of its tasks). */
    static AllocationInfo noted(AllocationInfo a, String event, String message, Instant now, long index, int historyLimit) {
        List<HistoryEvent> h = append(a.history(), new HistoryEvent(now, event, message), historyLimit);
        return new AllocationInfo(a.id(), a.requestId(), a.role(), a.name(), a.agentId(), a.agentName(), a.host(), a.resources(), a.gpuIndexes(),
                a.ports(), a.priority(), a.preemptible(), a.state(), a.reason(), a.ttlMillis(), a.expiresAt(), a.createdAt(), h, a.createIndex(), index, a.preempted());
    }

    static RequestInfo request(RequestInfo r, RequestState state, int placed, List<String> allocations, PlacementDiagnosis why, long index) {
        if (state != r.state()) {
            Transitions.check(r.state(), state);
        }
        return new RequestInfo(r.id(), r.role(), r.request(), state, placed, List.copyOf(allocations), r.createdAt(), r.sequence(), why,
                r.createIndex(), index);
    }

    static AgentInfo agent(AgentInfo a, AgentStatus status, boolean draining, Instant lastHeartbeat, Map<String, Long> usage, long index) {
        return agent(a, status, draining, draining ? a.drainDeadline() : null, lastHeartbeat, usage, index);
    }

    static AgentInfo agent(AgentInfo a, AgentStatus status, boolean draining, Instant drainDeadline, Instant lastHeartbeat, Map<String, Long> usage,
                           long index) {
        if (status != a.status()) {
            Transitions.check(a.status(), status);
        }
        return new AgentInfo(a.id(), a.name(), status, draining, a.total(), a.gpus(), a.gpuModel(), a.ports(), a.attributes(), a.registeredAt(),
                lastHeartbeat, usage, null, a.createIndex(), index, draining ? drainDeadline : null, a.joined());
    }

    private static List<HistoryEvent> append(List<HistoryEvent> h, HistoryEvent e, int limit) {
        List<HistoryEvent> out = new ArrayList<>(h);
        out.add(e);
        while (out.size() > limit) {
            out.remove(0);
        }
        return List.copyOf(out);
    }
}
