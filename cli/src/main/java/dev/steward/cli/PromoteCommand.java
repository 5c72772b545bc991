package dev.steward.cli;

import dev.steward.api.DeployRequest;
import dev.steward.client.StewardClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code steward promote APP --from staging --to prod}: deploys exactly what succeeded in one
 * environment to another, rolled out as the rollout flags say (the same as {@code steward deploy}'s:
 * a canary to prod of what passed staging), and follows it as {@code steward deploy} does.
 */
@Command(name = "promote", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Deploy to --to exactly the revision (package and config) that succeeded in --from, recording who and from which build, "
                + "and follow the rollout. Exit codes as steward deploy's.")
final class PromoteCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--from", required = true, description = "Source environment", converter = Name.class)
    String from;
    @Option(names = "--to", required = true, description = "Target environment", converter = Name.class)
    String to;
    @Option(names = "--instances", description = "Instances in the target. Default: 1 for a new service, else unchanged")
    Integer instances;
    @Option(names = "--priority", description = "0-1000: the target's priority (its instances' allocations'); the source keeps its own. Default: "
            + "50 for a new service, else unchanged")
    Integer priority;
    @Mixin
    RolloutOptions rollout;
    @Option(names = "--actor", description = "Who promotes (recorded). Default: $USER", defaultValue = "${env:USER}")
    String actor;
    @Option(names = "--build-url", description = "The build that promotes (recorded). Default: $BUILD_URL", defaultValue = "${env:BUILD_URL}")
    String buildUrl;
    @Mixin
    FollowOptions following;
    @Option(names = "--dry-run", description = "Say what the promotion would do (as steward deploy --dry-run) and change nothing")
    boolean dryRun;
    @Mixin
    Connection conn;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    DeployRequest request() {
        return new DeployRequest(null, null, null, instances, priority, null, null, null, null, null, null, null, null, null, rollout.strategy(), rollout.maxSurge,
                rollout.maxUnavailable, rollout.minReadySeconds, rollout.canary(), rollout.scaleDownDelay, rollout.minHealthyTime, rollout.healthyDeadline,
                rollout.progressDeadline, rollout.autoRollback(), rollout.onConflict, from, null, blank(actor), blank(buildUrl));
    }

    @Override
    public Integer call() throws Exception {
        var follow = following.follow(spec);
        StewardClient c = conn.client();
        if (dryRun) {
            try {
                return DeployCommand.print(conn, c.deployments().plan(app, to, request()));
            } catch (dev.steward.client.StewardException e) {
                throw DeployCommand.usage(spec, e);
            }
        }
        return DeployCommand.start(spec, conn, c, app, to, request(), following.detach, follow);
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
