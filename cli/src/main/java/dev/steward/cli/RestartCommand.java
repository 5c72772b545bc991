package dev.steward.cli;

import dev.steward.api.RestartRequest;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code steward restart APP --env ENV}: a rolling restart, as {@code kubectl rollout restart}:
 * every instance replaced by a fresh one of the package and config that runs, health-gated, as a
 * new revision; followed live as a deploy is.
 */
@Command(name = "restart", mixinStandardHelpOptions = true, description = "Replace every instance of a service by a fresh one of the package and config "
        + "it runs (a new revision, rolled out as its last deployment was, health-gated) and follow it. Exit codes as steward deploy's.")
final class RestartCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
    String env;
    @Option(names = "--reason", description = "Why, one line: shown in the deployment's events")
    String reason;
    @Option(names = "--max-surge", description = "Extra instances allowed during the restart, count or %. Default: the service's own (25% if none)")
    String maxSurge;
    @Option(names = "--max-unavailable", description = "Instances that may be unavailable during the restart, count or %. Default: the service's own "
            + "(25% if none)")
    String maxUnavailable;
    @Option(names = "--actor", description = "Who restarts, recorded on the revision")
    String actor;
    @Option(names = "--dry-run", description = "Say what the restart would do (the revision, how it rolls out, room) and change nothing")
    boolean dryRun;
    @Mixin
    FollowOptions following;
    @Mixin
    Connection conn;
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration follow = following.follow(spec);
        StewardClient c = conn.client();
        RestartRequest req = new RestartRequest(reason, maxSurge, maxUnavailable, actor);
        try {
            if (dryRun) {
                return DeployCommand.print(conn, c.deployments().planRestart(app, env, req));
            }
            return DeployCommand.started(conn, c, c.deployments().restart(app, env, req), following.detach, follow);
        } catch (dev.steward.client.StewardException e) {
            throw DeployCommand.usage(spec, e);
        }
    }
}
