package dev.steward.cli;

import dev.steward.api.RestartRequest;
import dev.steward.client.StewardClient;
import dev.steward.steps.Instances;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code steward restart APP --env ENV}: a rolling restart, as {@code kubectl rollout restart}:
 * every instance replaced by a fresh one of the package and config that runs, health-gated, as a
 * new revision; followed live as a deploy is. With {@code --instance N}, one instance, as a drain
 * moves it: a fresh one beside it, then it stops ({@link InstanceRestart}).
 */
@Command(name = "restart", mixinStandardHelpOptions = true, description = "Replace every instance of a service by a fresh one of the package and config "
        + "it runs (a new revision, rolled out as its last deployment was, health-gated) and follow it; or, with --instance, one instance (a fresh one "
        + "beside it, then it stops). Exit codes as steward deploy's.")
final class RestartCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
    String env;
    @Option(names = "--instance", paramLabel = "N", description = "Restart this instance alone: the number 'steward services APP --env ENV' shows, or an "
            + "instance id. A fresh one of its revision starts beside it and it stops once that one is available; no new revision")
    String instance;
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
        if (instance != null) {
            return oneInstance(c, follow);
        }
        try {
            if (dryRun) {
                return DeployCommand.print(conn, c.deployments().planRestart(app, env, req));
            }
            return DeployCommand.started(conn, c, c.deployments().restart(app, env, req), following.detach, follow);
        } catch (dev.steward.client.StewardException e) {
            throw DeployCommand.usage(spec, e);
        }
    }

    /** {@code --instance}: one instance restarted, then followed (or, with --detach, not). */
    private int oneInstance(StewardClient c, Duration follow) throws Exception {
        if (maxSurge != null || maxUnavailable != null || dryRun) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), (dryRun ? "--dry-run" : maxSurge != null ? "--max-surge" : "--max-unavailable")
                    + " goes with the restart of a whole service; --instance restarts one as a drain moves it (a fresh one beside it, then it stops)");
        }
        dev.steward.api.InstanceInfo target;
        try {
            target = Instances.pick(c.deployments().instances(app, env), instance, "--instance", app, env, false);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        dev.steward.api.InstanceInfo asked;
        try {
            asked = c.deployments().restartInstance(app, env, target.id(), new RestartRequest(reason, null, null, actor));
        } catch (dev.steward.client.StewardException e) {
            throw DeployCommand.usage(spec, e);
        }
        String said = "restarting instance " + asked.id() + " of " + app + "/" + env + " (revision " + asked.revision() + "): a fresh one starts beside it, "
                + "then it stops";
        if (following.detach) {
            if (conn.json()) {
                Output.json(asked);
            } else {
                System.out.println(asked.id());
                System.err.println(said + "; follow it with 'steward services " + app + " --env " + env + "'");
            }
            return 0;
        }
        java.io.PrintStream steps = conn.json() ? System.err : System.out; // with --output json, stdout is the outcome alone
        steps.println(said);
        return new InstanceRestart(c, app, env, steps, conn.json()).follow(asked.id(), follow, java.time.Clock.systemUTC());
    }
}
