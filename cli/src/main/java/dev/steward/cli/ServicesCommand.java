package dev.steward.cli;

import dev.steward.api.Endpoint;
import dev.steward.api.InstanceInfo;
import dev.steward.api.ServiceInfo;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steward services [APP --env ENV]}: every service, or one with its instances and its endpoints (discovery). */
@Command(name = "services", mixinStandardHelpOptions = true, description = "List services; with APP --env, its instances and endpoints (host:port).")
final class ServicesCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", description = "The environment", converter = Name.class)
    String env;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        StewardClient c = conn.client();
        if (app == null) {
            List<ServiceInfo> all = c.deployments().services();
            if (conn.json()) {
                Output.json(all);
                return 0;
            }
            System.out.printf("%-28s %-8s %-6s %-10s %s%n", "SERVICE", "ROLE", "REV", "AVAILABLE", "DEPLOYMENT");
            for (ServiceInfo s : all) {
                System.out.printf("%-28s %-8s %-6d %-10s %s%n", s.name(), s.role(), s.revision(), s.available() + "/" + s.instances(),
                        s.deployment() == null ? "" : s.deployment());
            }
            return 0;
        }
        if (env == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--env is required with an app");
        }
        List<InstanceInfo> inst = c.deployments().instances(app, env);
        List<Endpoint> ends = c.deployments().endpoints(app, env);
        if (conn.json()) {
            Output.json(Map.of("instances", inst, "endpoints", ends));
            return 0;
        }
        System.out.printf("%-3s %-18s %-4s %-10s %-18s %-22s %-22s %s%n", "#", "INSTANCE", "REV", "STATE", "ALLOCATION", "WHERE", "PACKAGE", "REASON");
        List<InstanceInfo> live = Instances.live(inst);
        for (int n = 0; n < live.size(); n++) {
            InstanceInfo i = live.get(n);
            System.out.printf("%-3d %-18s %-4d %-10s %-18s %-22s %-22s %s%n", n, i.id(), i.revision(), i.state(),
                    i.allocationId() == null ? "" : i.allocationId(), i.host() == null ? "" : i.host() + " " + i.ports(),
                    i.packageDigest() == null ? "" : dev.steward.api.Digests.shortForm(i.packageDigest()), i.reason() == null ? "" : i.reason());
        }
        System.out.println("(logs of one: steward logs " + app + " --env " + env + " --instance #)");
        System.out.println("\nENDPOINTS");
        for (Endpoint e : ends) {
            e.ports().forEach((name, port) -> System.out.println("  " + name + "  " + e.host() + ":" + port + "  (" + e.instance() + ", revision "
                    + e.revision() + ")"));
        }
        return 0;
    }
}
