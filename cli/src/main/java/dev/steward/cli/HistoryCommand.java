package dev.steward.cli;

import dev.steward.api.DeploymentInfo;
import dev.steward.api.Digests;
import dev.steward.api.RevisionInfo;
import dev.steward.api.ServiceInfo;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steward history APP --env ENV}: the kept revisions (who, when, which build, promoted from) and the deployments. */
@Command(name = "history", mixinStandardHelpOptions = true, description = "Show a service's revisions and deployments.")
final class HistoryCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
    String env;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        StewardClient c = conn.client();
        ServiceInfo s = c.deployments().service(app, env);
        List<RevisionInfo> revs = c.deployments().revisions(app, env);
        List<DeploymentInfo> deps = c.deployments().deployments(app, env);
        if (conn.json()) {
            Output.json(Map.of("service", s, "revisions", revs, "deployments", deps));
            return 0;
        }
        System.out.println(ServiceLines.summary(s) + "\n");
        Table revisions = Table.of("REV", "", "PACKAGE", "CREATED", "BY", "BUILD / ORIGIN");
        for (RevisionInfo r : revs) {
            String mark = (r.number() == s.revision() ? "*" : "") + (r.stable() ? "s" : "");
            String origin = r.restartOf() != null ? "restart of " + r.restartOf() : r.promotedFrom() != null ? "promoted from " + r.promotedFrom()
                    : r.rolledBackTo() != null ? "rollback to " + r.rolledBackTo()
                    : r.buildUrl() == null ? "" : r.buildUrl();
            revisions.row(r.number(), mark, Digests.shortForm(r.spec().packageDigest()), r.createdAt().toString().substring(0, 19), r.createdBy(), origin);
        }
        revisions.print(System.out);
        System.out.println("\n* current   s stable (its deployment succeeded)\n");
        Table deployments = Table.of("DEPLOYMENT", "REV", "STATE", "STRATEGY", "REASON");
        for (DeploymentInfo d : deps) {
            deployments.row(d.id(), d.revision(), d.state(), d.rollout().type().name().toLowerCase(), d.reason());
        }
        deployments.print(System.out);
        return 0;
    }
}
