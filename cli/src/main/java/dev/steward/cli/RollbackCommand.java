package dev.steward.cli;

import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code steward rollback APP --env ENV [--revision N]}: back to the stable revision, or to any kept one, followed live. */
@Command(name = "rollback", mixinStandardHelpOptions = true, description = "Roll a service back and follow it: to its stable revision while a rollout has not made the current one "
        + "stable, else to the previous stable revision (or --revision N, a kept one).")
final class RollbackCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
    String env;
    @Option(names = {"--revision", "--to"}, paramLabel = "N", description = "The kept revision to go back to (see 'steward history'). "
            + "Default: back from what runs (see above)")
    Integer revision;
    @Option(names = "--dry-run", description = "Say what the rollback would do (the revision, the fields that change, room) and change nothing")
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
        if (dryRun) {
            return DeployCommand.print(conn, c.deployments().planRollback(app, env, revision));
        }
        return DeployCommand.started(conn, c, c.deployments().rollback(app, env, revision), following.detach, follow);
    }
}
