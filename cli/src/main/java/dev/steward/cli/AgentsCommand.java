package dev.steward.cli;

import dev.steward.api.AgentInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward agents}: the cluster's agents with their ids, and draining one for maintenance
 * (as {@code nomad node drain}): a drained agent takes no new allocation, services' instances
 * there move elsewhere (each replaced before it is stopped), other allocations there are asked
 * to leave, and {@code enable} makes it eligible again; {@code forget} drops a lost agent, a machine
 * gone for good, with its token (as {@code nomad node purge}). An agent is named by its name or its id.
 */
@Command(name = "agents", mixinStandardHelpOptions = true,
        description = "List the agents (name, id, status, what they hold), drain one for maintenance and enable it again, or forget a lost one "
                + "(admin token).",
        subcommands = {AgentsCommand.Drain.class, AgentsCommand.Enable.class, AgentsCommand.Forget.class})
final class AgentsCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        List<AgentInfo> agents = conn.client().agents();
        if (conn.json()) {
            Output.json(agents);
            return 0;
        }
        Table t = Table.of("AGENT", "ID", "HOST", "STATUS", "DRAINING", "CPUS USED/TOTAL", "MEMORY USED/TOTAL", "");
        for (AgentInfo a : agents) {
            String host = AgentInfo.hostOf(a.attributes());
            t.row(a.name(), a.id(), host == null ? "-" : host, a.status(), a.draining() ? "yes" : "no",
                    Units.formatCpus(a.allocated().cpuMillis()) + "/" + Units.formatCpus(a.total().cpuMillis()),
                    Units.formatMibShort(a.allocated().memoryMib()) + "/" + Units.formatMibShort(a.total().memoryMib()),
                    ((a.drainDeadline() == null ? "" : "  drain deadline " + a.drainDeadline())
                            + diskNote(a)
                            + certificateNote(a, java.time.Instant.now())
                            + (a.status() != dev.steward.api.AgentStatus.LOST ? "" : "  no heartbeat since " + a.lastHeartbeat()
                            + " ('steward agents forget " + a.name() + "' if the machine is gone for good)")).strip());
        }
        t.print(System.out);
        return 0;
    }

    /** What to say after an agent's row when a TLS certificate of its (its own, or a CA it trusts) ends within 30 days or ended; else "". */
    static String certificateNote(AgentInfo a, java.time.Instant now) {
        java.time.Instant end = a.status() == dev.steward.api.AgentStatus.LOST ? null : dev.steward.api.Heartbeat.certificateEnding(a.usage(), now);
        return end == null ? "" : "  " + certificateEnding("TLS certificate", end, now);
    }

    /**
     * What to say of a certificate that ends at {@code end}, within a month of {@code now} or
     * past: "WHAT ends at END (in 12 days): renew it ...", or "WHAT ended at END: renew it ...".
     */
    static String certificateEnding(String what, java.time.Instant end, java.time.Instant now) {
        long days = java.time.Duration.between(now, end).toDays();
        String when = !now.isBefore(end) ? "ended at " + end
                : "ends at " + end + " (in " + (days == 0 ? "less than a day" : Units.count(days, "day")) + ")";
        return what + " " + when + ": renew it ('steward tls cert create') and write it over the old files (read again within 10 s, no restart)";
    }

    /** Whether a ready agent's heartbeat said its disk is nearly full (nothing new is placed there). */
    static boolean diskNearlyFull(AgentInfo a) {
        return a.status() != dev.steward.api.AgentStatus.LOST && dev.steward.api.Heartbeat.diskPressure(a.usage());
    }

    /** What to say after an agent's row when {@link #diskNearlyFull}: how much is free, below what, and what it means; else "". */
    static String diskNote(AgentInfo a) {
        return !diskNearlyFull(a) ? "" : "  disk nearly full: " + Units.formatMibShort(a.usage().get(dev.steward.api.Heartbeat.DISK_FREE_MIB))
                + " free, below its " + Units.formatMibShort(a.usage().get(dev.steward.api.Heartbeat.DISK_PRESSURE_MIB))
                + " (disk-pressure-free): nothing new is placed there";
    }

    /** The agent named {@code nameOrId}: by id, else by name; a clear error naming what is known otherwise. */
    static AgentInfo find(StewardClient c, String nameOrId) throws java.io.IOException {
        List<AgentInfo> agents = c.agents();
        for (AgentInfo a : agents) {
            if (a.id().equals(nameOrId)) {
                return a;
            }
        }
        for (AgentInfo a : agents) {
            if (a.name().equals(nameOrId)) {
                return a;
            }
        }
        throw new IllegalArgumentException("no agent named or with the id '" + nameOrId + "' (" + Units.count(agents.size(), "agent")
                + " known; 'steward agents' lists them)");
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = "Drain AGENT (its name or id): it takes no new allocation; services' instances there move elsewhere, each replaced before "
                    + "it stops; other allocations there are asked to leave (LEAVING) and run until their holders release them.")
    static final class Drain implements Callable<Integer> {
        @Parameters(index = "0", description = "The agent's name or id")
        String agent;
        @picocli.CommandLine.Option(names = "--deadline", description = "When the allocations still there end (their leases are cut to it), "
                + "e.g. 1h; at most 30d. Default: none, they run until released")
        String deadline;
        @picocli.CommandLine.Option(names = "--wait", description = "Then wait until nothing is left on the agent (every allocation there "
                + "released, moved or ended), printing what is left as it changes, as 'nomad node drain' monitors")
        boolean await;
        @picocli.CommandLine.Option(names = "--wait-timeout", description = "Give up waiting after this long (exit 1). Default: a minute past "
                + "the deadline, or 24h without one")
        String waitTimeout;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            java.time.Duration limit = null;
            if (waitTimeout != null) {
                if (!await) {
                    throw new IllegalArgumentException("--wait-timeout goes with --wait");
                }
                limit = Units.duration("--wait-timeout", waitTimeout);
            }
            int drained = act(conn, agent, true, deadline);
            if (drained != 0 || !await) {
                return drained;
            }
            AgentInfo a = find(conn.client(), agent);
            if (limit == null) {
                limit = a.drainDeadline() == null ? java.time.Duration.ofHours(24)
                        : java.time.Duration.between(java.time.Instant.now(), a.drainDeadline()).plusMinutes(1);
            }
            return DrainWait.until(conn.client(), a, limit, conn.json() ? System.err : System.out);
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Make a drained AGENT (its name or id) eligible for new allocations again.")
    static final class Enable implements Callable<Integer> {
        @Parameters(index = "0", description = "The agent's name or id")
        String agent;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            return act(conn, agent, false, null);
        }
    }

    @Command(name = "forget", mixinStandardHelpOptions = true,
            description = "Forget a lost AGENT (its name or id), a machine gone for good: it is no longer listed and its token no longer works. "
                    + "A live agent is refused: drain it and stop it first. The machine may join again later, as a new agent.")
    static final class Forget implements Callable<Integer> {
        @Parameters(index = "0", description = "The agent's name or id")
        String agent;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            StewardClient c = conn.client();
            AgentInfo a = find(c, agent);
            com.fasterxml.jackson.databind.JsonNode r = c.call("DELETE", "/v1/agents/" + a.id(), null, com.fasterxml.jackson.databind.JsonNode.class, false);
            if (conn.json()) {
                Output.json(r);
            } else {
                System.out.printf("forgot agent %s (%s): it is no longer listed, and its token no longer works%n", a.name(), a.id());
            }
            return 0;
        }
    }

    private static int act(Connection conn, String agent, boolean drain, String deadline) throws Exception {
        StewardClient c = conn.client();
        String id = find(c, agent).id();
        AgentInfo a = drain ? c.drain(id, deadline) : c.enable(id);
        if (conn.json()) {
            Output.json(a);
        } else if (drain) {
            boolean empty = a.allocated().cpuMillis() == 0 && a.allocated().memoryMib() == 0;
            System.out.printf("agent %s (%s) is draining: no new allocation goes there; %s%s%n", a.name(), a.id(), empty ? "it holds nothing"
                    : "it holds " + Units.formatCpus(a.allocated().cpuMillis()) + " cpus and " + Units.formatMibShort(a.allocated().memoryMib())
                    + " of memory: services' instances there move elsewhere, each replaced before it stops, and other allocations are asked to leave",
                    a.drainDeadline() == null ? "" : "; what is still there at " + a.drainDeadline() + " ends then");
        } else {
            System.out.printf("agent %s (%s) takes new allocations again%n", a.name(), a.id());
        }
        return 0;
    }
}
