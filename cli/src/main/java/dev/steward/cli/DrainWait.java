package dev.steward.cli;

import dev.steward.api.AgentInfo;
import dev.steward.api.AllocationInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code steward agents drain AGENT --wait}: follows the agent's allocations with blocking
 * queries until none is live, printing what is left each time it changes. Exits 0 once the agent
 * is empty, 1 when the wait runs out first (naming what is still there).
 */
final class DrainWait {
    /** At most this many allocations are named on a progress line; the rest are counted. */
    static final int NAMED = 5;

    private DrainWait() {
    }

    static int until(StewardClient c, AgentInfo agent, Duration limit, PrintStream out) throws IOException {
        String[] last = {null};
        AllocationInfo[][] seen = {null};
        AllocationInfo[] left = c.watch("/v1/agents/" + agent.id() + "/allocations", AllocationInfo[].class, limit,
                all -> live(all).isEmpty(), all -> {
                    seen[0] = all;
                    List<AllocationInfo> live = live(all);
                    String line = left(agent, live);
                    if (!live.isEmpty() && !line.equals(last[0])) {
                        out.println(line);
                        last[0] = line;
                    }
                });
        if (left == null) {
            List<AllocationInfo> still = live(seen[0]);
            out.println("still not empty after " + Units.format(limit) + ": " + left(agent, still).replaceFirst("^[^:]*: ", "")
                    + "; release them, or drain again with a --deadline that ends them");
            return 1;
        }
        out.println("agent " + agent.name() + " (" + agent.id() + ") is empty: nothing runs there; 'steward agents enable " + agent.name()
                + "' makes it take allocations again after its maintenance");
        return 0;
    }

    /** The allocations not yet ended. */
    static List<AllocationInfo> live(AllocationInfo[] all) {
        List<AllocationInfo> out = new ArrayList<>();
        if (all != null) {
            for (AllocationInfo a : all) {
                if (!a.state().terminal()) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** One progress line: how many are left, and the first few by id, state and role. */
    static String left(AgentInfo agent, List<AllocationInfo> live) {
        StringBuilder b = new StringBuilder().append(Units.count(live.size(), "allocation")).append(" left on ").append(agent.name()).append(": ");
        for (int i = 0; i < Math.min(NAMED, live.size()); i++) {
            AllocationInfo a = live.get(i);
            b.append(i == 0 ? "" : ", ").append(a.id()).append(" (").append(a.state()).append(", role ").append(a.role()).append(')');
        }
        if (live.size() > NAMED) {
            b.append(" and ").append(live.size() - NAMED).append(" more");
        }
        return live.isEmpty() ? b.append("none").toString() : b.toString();
    }
}
