package dev.steward.cli;

import dev.steward.api.DeployPlan;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.Digests;
import dev.steward.api.RevisionInfo;
import dev.steward.api.RunSpecDiff;
import dev.steward.api.ServiceInfo;
import dev.steward.client.StewardClient;
import dev.steward.steps.DeployPlanRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code steward history APP --env ENV}: the kept revisions (who, when, which build, promoted
 * from) and the deployments; with {@code -p}, what each revision changed from the one before it,
 * as {@code nomad job history -p} shows each version's diff.
 */
@Command(name = "history", mixinStandardHelpOptions = true, description = "Show a service's revisions and deployments.")
final class HistoryCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
    String env;
    @Option(names = {"-p", "--changes"}, description = "Also show what each kept revision changed from the one before it (variables named, never shown)")
    boolean changes;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        StewardClient c = conn.client();
        ServiceInfo s = c.deployments().service(app, env);
        List<RevisionInfo> revs = c.deployments().revisions(app, env);
        List<DeploymentInfo> deps = c.deployments().deployments(app, env);
        Map<Integer, List<DeployPlan.FieldChange>> changed = changes ? changes(revs) : Map.of();
        if (conn.json()) {
            Map<String, Object> out = new LinkedHashMap<>(Map.of("service", s, "revisions", revs, "deployments", deps));
            if (changes) {
                out.put("changes", changed); // revision number -> its changes from the kept revision before it
            }
            Output.json(out);
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
        if (changes) {
            System.out.println("\nCHANGES");
            for (int i = 0; i < revs.size(); i++) {
                RevisionInfo r = revs.get(i);
                RevisionInfo before = i + 1 < revs.size() ? revs.get(i + 1) : null;
                if (before == null) {
                    System.out.println("revision " + r.number() + ": " + (r.number() == 1 ? "the first" : "the one before it is no longer kept"));
                } else if (changed.get(r.number()).isEmpty()) {
                    System.out.println("revision " + r.number() + ": the same package and config as revision " + before.number());
                } else {
                    System.out.println("revision " + r.number() + " from revision " + before.number() + ":");
                    DeployPlanRun.changeLines(changed.get(r.number())).forEach(System.out::println);
                }
            }
        }
        return 0;
    }

    /** Each kept revision's changes from the kept revision before it (none for the oldest kept), by number, newest first. */
    private static Map<Integer, List<DeployPlan.FieldChange>> changes(List<RevisionInfo> newestFirst) {
        Map<Integer, List<DeployPlan.FieldChange>> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < newestFirst.size(); i++) {
            out.put(newestFirst.get(i).number(), RunSpecDiff.between(newestFirst.get(i + 1).spec(), newestFirst.get(i).spec()));
        }
        return out;
    }
}
