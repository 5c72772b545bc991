package dev.steward.cli;

import dev.steward.api.AgentInfo;
import dev.steward.api.ClusterStatus;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.MonitorReport;
import dev.steward.api.RequestInfo;
import dev.steward.api.RoleInfo;
import dev.steward.api.ServiceInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code steward status}: agents, roles, services, the deployments under way, running monitors,
 * and why each pending request waits; like {@code nomad status}, one look at the whole cluster.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show agents, roles, services, deployments under way, running monitors and why requests are pending.")
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
        List<ServiceInfo> services = c.deployments().services();
        List<DeploymentInfo> deployments = new ArrayList<>();
        for (ServiceInfo svc : services) {
            if (svc.deployment() != null) {
                deployments.add(c.deployments().deployment(svc.deployment()));
            }
        }
        List<MonitorReport> monitors = c.monitors().running();
        if (conn.json()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", s);
            out.put("agents", agents);
            out.put("roles", roles);
            out.put("services", services);
            out.put("deployments", deployments);
            out.put("monitors", monitors);
            out.put("pending", pending);
            Output.json(out);
            return 0;
        }
        long full = agents.stream().filter(AgentsCommand::diskNearlyFull).count();
        java.time.Instant now = java.time.Instant.now();
        long ending = agents.stream().filter(a -> !AgentsCommand.certificateNote(a, now).isEmpty()).count();
        System.out.printf("index %d: %s ready, %d lost, %d draining%s%s; %s; %s; %s%n", s.index(), Units.count(s.agentsReady(), "agent"),
                s.agentsLost(), s.agentsDraining(), full == 0 ? "" : ", " + full + " with a disk nearly full",
                ending == 0 ? "" : ", " + ending + " with a TLS certificate ending within 30 days",
                Units.count(s.liveAllocations(), "live allocation"), Units.count(services.size(), "service"), Units.count(s.pendingRequests(), "pending request"));
        if (s.certificateEnds() != null && !now.plus(dev.steward.api.Heartbeat.CERTIFICATE_WARNING).isBefore(s.certificateEnds())) {
            System.out.println(AgentsCommand.certificateEnding("the allocator's TLS certificate", s.certificateEnds(), now));
        }
        Table agentTable = Table.of("AGENT", "STATUS", "DRAINING", "CPUS USED/TOTAL", "MEMORY USED/TOTAL", "");
        for (AgentInfo a : agents) {
            agentTable.row(a.name(), a.status(), a.draining() ? "yes" : "no",
                    Units.formatCpus(a.allocated().cpuMillis()) + "/" + Units.formatCpus(a.total().cpuMillis()),
                    Units.formatMibShort(a.allocated().memoryMib()) + "/" + Units.formatMibShort(a.total().memoryMib()),
                    (AgentsCommand.diskNote(a) + AgentsCommand.certificateNote(a, now)).strip());
        }
        System.out.println();
        agentTable.print(System.out);
        Table roleTable = Table.of("ROLE", "WEIGHT", "DOMINANT SHARE", "PENDING", "HOLDS");
        for (RoleInfo r : roles) {
            roleTable.row(r.name(), r.weight(), String.format("%.3f", r.dominantShare()), r.pendingRequests(), r.allocated());
        }
        System.out.println();
        roleTable.print(System.out);
        if (!services.isEmpty()) {
            Table serviceTable = Table.of("SERVICE", "ROLE", "REV", "AVAILABLE", "DEPLOYMENT");
            for (ServiceInfo svc : services) {
                serviceTable.row(svc.name(), svc.role(), svc.revision(), svc.available() + "/" + svc.instances(), ServiceLines.deployment(svc));
            }
            System.out.println();
            serviceTable.print(System.out);
        }
        if (!deployments.isEmpty()) {
            System.out.println("\nDEPLOYMENTS UNDER WAY");
            for (DeploymentInfo d : deployments) {
                System.out.printf("%s %s: %s%n", d.id(), d.service(), Rollout.status(d));
            }
        }
        if (!monitors.isEmpty()) {
            System.out.println("\nRUNNING MONITORS");
            for (MonitorReport m : monitors) {
                System.out.printf("%s %s: until %s, gates %s%n", m.id(), m.service(), m.endsAt(), String.join("; ", m.spec().gates()));
            }
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
