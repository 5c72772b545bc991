package dev.steward.cli;

import dev.steward.api.DeployRequest;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code steward promote APP --from staging --to prod}: deploys exactly what succeeded in one environment to another. */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Deploy to --to exactly the revision (package and config) that succeeded in --from, recording who and from which build.")
final class PromoteCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--from", required = true, description = "Source environment", converter = Name.class)
    String from;
    @Option(names = "--to", required = true, description = "Target environment", converter = Name.class)
    String to;
    @Option(names = "--instances", description = "Instances in the target. Default: 1 for a new service, else unchanged")
    Integer instances;
    @Option(names = "--strategy", description = "How to roll it out in the target. Default: rolling")
    String strategy;
    @Option(names = "--actor", description = "Who promotes (recorded). Default: $USER", defaultValue = "${env:USER}")
    String actor;
    @Option(names = "--build-url", description = "The build that promotes (recorded). Default: $BUILD_URL", defaultValue = "${env:BUILD_URL}")
    String buildUrl;
    @Option(names = "--dry-run", description = "Say what the promotion would do (as steward deploy --dry-run) and change nothing")
    boolean dryRun;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        StewardClient c = conn.client();
        DeployRequest req = new DeployRequest(null, null, null, instances, null, null, null, null, null, null, null, null, null, strategy, null, null, null,
                null, null, null, null, null, null, null, from, null, blank(actor), blank(buildUrl));
        if (dryRun) {
            return DeployCommand.print(conn, c.deployments().plan(app, to, req));
        }
        return Rollout.follow(c, c.deployments().deploy(app, to, req), Duration.ofMinutes(30), conn.json(), System.out);
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
