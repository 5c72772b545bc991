package dev.steward.cli;

import dev.steward.api.Endpoint;
import dev.steward.api.InstanceInfo;
import dev.steward.api.ServiceInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;
import dev.steward.steps.Instances;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code steward services [APP --env ENV [--ended]]}: every service, or one with its instances and
 * its endpoints (discovery), and with {@code --ended} the instances that ended, as {@code nomad
 * job status} lists complete and failed allocations; {@code steward services delete APP --env
 * ENV} deletes one.
 */
@Command(name = "services", mixinStandardHelpOptions = true, description = "List services; with APP --env, its instances and endpoints (host:port).",
        subcommands = ServicesCommand.Delete.class)
final class ServicesCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", description = "The environment", converter = Name.class)
    String env;
    @Option(names = "--ended", description = "With an app: also the instances that ended (the allocator keeps the latest 50), the latest first, "
            + "how each ended and when")
    boolean ended;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        if (ended && app == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--ended goes with an app and --env");
        }
        StewardClient c = conn.client();
        if (app == null) {
            List<ServiceInfo> all = c.deployments().services();
            if (conn.json()) {
                Output.json(all);
                return 0;
            }
            Table t = Table.of("SERVICE", "ROLE", "REV", "AVAILABLE", "DEPLOYMENT");
            for (ServiceInfo s : all) {
                t.row(s.name(), s.role(), s.revision(), s.available() + "/" + s.instances(), ServiceLines.deployment(s));
            }
            t.print(System.out);
            return 0;
        }
        if (env == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--env is required with an app");
        }
        ServiceInfo svc = c.deployments().service(app, env);
        List<InstanceInfo> inst = c.deployments().instances(app, env);
        List<Endpoint> ends = c.deployments().endpoints(app, env);
        if (conn.json()) {
            Output.json(Map.of("service", svc, "instances", inst, "endpoints", ends));
            return 0;
        }
        System.out.println(ServiceLines.summary(svc) + "\n");
        List<InstanceInfo> live = Instances.live(inst);
        List<InstanceInfo> gone = Instances.ended(inst);
        Map<String, String> agents = AgentNames.of(c, java.util.stream.Stream.concat(live.stream(), ended ? gone.stream() : java.util.stream.Stream.empty())
                .map(InstanceInfo::agentId).toList());
        Table t = Table.of("#", "INSTANCE", "REV", "STATE", "ALLOCATION", "AGENT", "WHERE", "PACKAGE", "REASON");
        for (int n = 0; n < live.size(); n++) {
            InstanceInfo i = live.get(n);
            t.row(n, i.id(), i.revision(), i.state(), i.allocationId(), i.agentId() == null ? "" : agents.getOrDefault(i.agentId(), i.agentId()),
                    i.host() == null ? "" : i.where(),
                    i.packageDigest() == null ? "" : dev.steward.api.Digests.shortForm(i.packageDigest()), (i.reason() == null ? "" : i.reason())
                            + tookOver(i, inst));
        }
        String shortfall = ServiceLines.shortfall(svc, inst, live.size(), java.time.Instant.now()); // fewer than wanted: why, and how long the backoff holds
        if (live.isEmpty()) { // scaled to 0, or none started yet: said, not an empty table's header
            System.out.println((shortfall != null ? shortfall : "no instances run (" + Units.count(svc.instances(), "instance") + " wanted)")
                    + (ended || gone.isEmpty() ? "" : "; --ended lists the " + Units.count(gone.size(), "instance") + " that ended"));
        } else {
            t.print(System.out);
            if (shortfall != null) {
                System.out.println(shortfall);
            }
            System.out.println("(logs of one: steward logs " + app + " --env " + env + " --instance #)");
        }
        if (ended) {
            printEnded(gone, agents);
        }
        System.out.println("\nENDPOINTS" + (ends.isEmpty() ? ": none" : ""));
        for (Endpoint e : ends) {
            e.ports().forEach((name, port) -> System.out.println("  " + name + "  " + e.host() + ":" + port + "  (" + e.instance() + ", revision "
                    + e.revision() + ")"));
        }
        return 0;
    }

    /** The ended instances, the latest to end first: when, how and why each ended, and how to read one's logs. */
    private static void printEnded(List<InstanceInfo> gone, Map<String, String> agents) {
        System.out.println("\nENDED" + (gone.isEmpty() ? ": none" : " (the latest first)"));
        if (gone.isEmpty()) {
            return;
        }
        java.time.Instant now = java.time.Instant.now();
        Table t = Table.of("INSTANCE", "REV", "STATE", "ENDED", "AGENT", "PACKAGE", "REASON");
        for (InstanceInfo i : gone) {
            t.row(i.id(), i.revision(), i.state(), i.endedAt() == null ? "" : ago(i.endedAt(), now),
                    i.agentId() == null ? "" : agents.getOrDefault(i.agentId(), i.agentId()),
                    i.packageDigest() == null ? "" : dev.steward.api.Digests.shortForm(i.packageDigest()), i.reason() == null ? "" : i.reason());
        }
        t.print(System.out);
        System.out.println("(logs of one that ran: steward logs INSTANCE)");
    }

    /** {@code 5m12s ago}, to the second. */
    private static String ago(java.time.Instant at, java.time.Instant now) {
        java.time.Duration d = java.time.Duration.between(at, now);
        return Units.format(java.time.Duration.ofSeconds(Math.max(0, d.getSeconds()))) + " ago";
    }

    /**
     * {@code steward services delete APP --env ENV}: as {@code nomad job stop -purge}. Its instances
     * stop, its deployments are aborted and its monitors stopped; then it is gone with its history,
     * and its name is free. Waits until it is gone (exit 0), or {@code --timeout} (exit 1);
     * {@code --detach} returns once the delete is taken.
     */
    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a service: stop its instances, abort its deployments, then forget it with its revisions and history.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", description = "The app", converter = Name.class)
        String app;
        @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
        String env;
        @Option(names = "--timeout", description = "How long to wait for its instances to stop. Default: ${DEFAULT-VALUE}", defaultValue = "5m")
        String timeout;
        @Option(names = "--detach", description = "Return once the delete is taken, without waiting for its instances to stop")
        boolean detach;
        @Option(names = "--missing-ok", description = "A service that is not there is nothing to do (exit 0), for cleanups that may run twice")
        boolean missingOk;
        @Mixin
        Connection conn;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            java.time.Duration wait;
            try {
                wait = dev.steward.api.Units.duration("--timeout", timeout);
            } catch (dev.steward.api.ValidationException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            StewardClient c = conn.client();
            ServiceInfo s;
            try {
                s = c.deployments().delete(app, env);
            } catch (dev.steward.client.StewardException e) {
                if (e.status() == 404 && missingOk) {
                    if (conn.json()) {
                        Output.json(java.util.Map.of("gone", true, "missing", true));
                    } else {
                        System.out.println("there is no service " + app + "/" + env + " (or it is not this role's): nothing to delete");
                    }
                    return 0;
                }
                throw e;
            }
            boolean gone = s.stopping() == 0 && isGone(c);
            if (!conn.json()) {
                System.out.println(gone ? "deleted " + s.name() + " (nothing of it was running)"
                        : "deleting " + s.name() + ": " + dev.steward.api.Units.count(s.stopping(), "instance") + " stopping");
            }
            if (!gone && !detach) {
                int[] last = {s.stopping()};
                gone = c.deployments().awaitGone(app, env, wait, now -> {
                    if (!conn.json() && now.stopping() != last[0]) {
                        System.out.println("  " + dev.steward.api.Units.count(now.stopping(), "instance") + " still stopping");
                        last[0] = now.stopping();
                    }
                });
                if (!conn.json()) {
                    System.out.println(gone ? "deleted " + s.name() : "still deleting " + s.name() + " after " + timeout
                            + "; it goes on without you (steward services " + app + " --env " + env + " shows what still stops)");
                }
            }
            if (conn.json()) {
                Output.json(java.util.Map.of("service", s, "gone", gone));
            }
            return gone || detach ? 0 : 1;
        }

        private boolean isGone(StewardClient c) throws java.io.IOException {
            try {
                c.deployments().service(app, env);
                return false;
            } catch (dev.steward.client.StewardException e) {
                if (e.status() == 404) {
                    return true;
                }
                throw e;
            }
        }
    }

    /**
     * What a fresh instance took over from, for its REASON column: an instance restarted alone
     * (its reason says "restarted by"), else one on a draining agent (the only other move).
     */
    static String tookOver(InstanceInfo i, List<InstanceInfo> all) {
        if (i.movedFrom() == null) {
            return "";
        }
        InstanceInfo from = all.stream().filter(x -> x.id().equals(i.movedFrom())).findFirst().orElse(null);
        return " (took over from " + i.movedFrom() + (from != null && from.reason() != null && from.reason().startsWith("restarted by ") ? ", restarted)"
                : ", whose agent drained)");
    }
}
