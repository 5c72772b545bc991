package dev.steward.cli;

import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code steward rollback APP --env ENV [--to N]}: back to the stable revision, or to any kept one, followed live. */
@Command(name = "rollback", mixinStandardHelpOptions = true, description = "Roll a service back and follow it: to its stable revision while a rollout has not made the current one "
        + "stable, else to the previous stable revision (or --to a kept one).")
final class RollbackCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
    String env;
    @Option(names = "--to", description = "Revision number (see 'steward history'). Default: back from what runs (see above)")
    Integer to;
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
            return DeployCommand.print(conn, c.deployments().planRollback(app, env, to));
        }
        return DeployCommand.started(conn, c, c.deployments().rollback(app, env, to), following.detach, follow);
    }
}
