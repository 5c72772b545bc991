package dev.steward.cli;

import dev.steward.api.AgentInfo;
import dev.steward.api.ClusterStatus;
import dev.steward.api.RequestInfo;
import dev.steward.api.RoleInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steward status}: agents, roles, allocations, and why each pending request waits. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show agents, roles, allocations and why requests are pending.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        StewardClient c = conn.client();
        ClusterStatus s = c.status();
        List<AgentInfo> agents = c.agents();
        List<RoleInfo> roles = c.roles();
        List<RequestInfo> pending = c.requests("pending");
        if (conn.json()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", s);
            out.put("agents", agents);
            out.put("roles", roles);
            out.put("pending", pending);
            Output.json(out);
            return 0;
        }
        System.out.printf("index %d: %d agents ready, %d lost, %d draining; %d live allocations; %d pending requests%n", s.index(), s.agentsReady(),
                s.agentsLost(), s.agentsDraining(), s.liveAllocations(), s.pendingRequests());
        System.out.printf("%nAGENT%-14s %-7s %-9s %-20s %-20s%n", "", "STATUS", "DRAINING", "CPUS USED/TOTAL", "MEMORY USED/TOTAL");
        for (AgentInfo a : agents) {
            System.out.printf("%-19s %-7s %-9s %-20s %-20s%n", a.name(), a.status(), a.draining() ? "yes" : "no",
                    Units.formatCpus(a.allocated().cpuMillis()) + "/" + Units.formatCpus(a.total().cpuMillis()),
                    Units.formatMib(a.allocated().memoryMib()) + "/" + Units.formatMib(a.total().memoryMib()));
        }
        System.out.printf("%nROLE%-15s %-7s %-15s %-10s %s%n", "", "WEIGHT", "DOMINANT SHARE", "PENDING", "HOLDS");
        for (RoleInfo r : roles) {
            System.out.printf("%-19s %-7s %-15s %-10d %s%n", r.name(), r.weight(), String.format("%.3f", r.dominantShare()), r.pendingRequests(), r.allocated());
        }
        if (!pending.isEmpty()) {
            System.out.println("\nPENDING");
            for (RequestInfo r : pending) {
                System.out.printf("%s (%s, %d of %d placed): %s%n", r.id(), r.role(), r.placed(), r.request().count() == null ? 1 : r.request().count(),
                        r.why() == null ? "not evaluated yet" : r.why().summary());
            }
        }
        return 0;
    }
}
