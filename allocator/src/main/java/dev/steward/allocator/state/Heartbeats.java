package dev.steward.allocator.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Heartbeats kept out of the command log and off the owner thread, as Nomad keeps them: the
 * heartbeat route records each agent's latest beat here, from any thread, and answers at once;
 * the ticker folds the beats into the state every tick (usage, busy ports, the time), before it
 * decides who is lost. Only a beat that changes something durable (an agent back from LOST) is a
 * command, and the fold makes it one. {@link #ready} is the owner's latest word on which agents
 * are ready: a beat from any other goes through the engine as a command, as before.
 */
public final class Heartbeats {
    /** One agent's latest beat. */
    record Beat(Instant at, Map<String, Long> usage, List<Integer> busyPorts) {
    }

    private final ConcurrentHashMap<String, Beat> latest = new ConcurrentHashMap<>();
    private volatile Set<String> ready = Set.of();

    /** Records a ready agent's beat (a later one replaces an earlier); false when the agent is not known ready, for the command path. */
    public boolean offer(String agentId, Map<String, Long> usage, List<Integer> busyPorts, Instant at) {
        if (!ready.contains(agentId)) {
            return false;
        }
        latest.merge(agentId, new Beat(at, usage, busyPorts), (old, beat) -> beat.at().isBefore(old.at()) ? old : beat);
        return true;
    }

    /** Takes every beat recorded since the last call; on the owner thread. */
    List<Map.Entry<String, Beat>> drain() {
        List<Map.Entry<String, Beat>> out = new ArrayList<>();
        for (String id : latest.keySet()) {
            Beat b = latest.get(id);
            if (b != null && latest.remove(id, b)) { // only that beat: one recorded meanwhile stays for the next fold
                out.add(Map.entry(id, b));
            }
        }
        return out;
    }

    /** The agents ready now, published by the owner after each tick. */
    void publishReady(Set<String> ids) {
        ready = Set.copyOf(ids);
    }

    /** Beats waiting for the next fold. */
    public int waiting() {
        return latest.size();
    }
}
