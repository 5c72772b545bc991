package dev.steward.cli;

import dev.steward.api.DeployResult;
import dev.steward.api.DeploymentInfo;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code steward rollout ACTION DEPLOYMENT}: watch, pause, resume, promote (a canary's next step)
 * or abort a deployment. Every action but watch returns once the allocator has accepted it;
 * {@code --watch} then follows the deployment to its end, as {@code watch} does.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = {"Act on a deployment: watch (follow to its end), pause, resume, promote (a canary to its next step), abort.",
                "pause, resume, promote and abort return once accepted (exit 0; 1 when refused, e.g. a deployment that has ended);",
                "add --watch to follow the deployment to its end."})
final class RolloutCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "watch, pause, resume, promote or abort")
    String action;
    @Parameters(index = "1", description = "The deployment id")
    String id;
    @picocli.CommandLine.Option(names = "--watch", description = "After the action, follow the deployment to its end (exit 0 only if it succeeds)")
    boolean watch;
    @Mixin
    Connection conn;
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!java.util.Set.of("watch", "pause", "resume", "promote", "abort").contains(action)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "'" + action + "' is not watch, pause, resume, promote or abort");
        }
        StewardClient c = conn.client();
        DeploymentInfo d = switch (action) {
            case "watch" -> c.deployments().deployment(id);
            case "pause" -> c.deployments().pause(id);
            case "resume" -> c.deployments().resume(id);
            case "promote" -> c.deployments().promote(id);
            case "abort" -> c.deployments().abort(id);
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "'" + action + "' is not watch, pause, resume, promote or abort");
        };
        if (!action.equals("watch")) {
            System.out.println(action + ": deployment " + d.id() + " is " + d.state() + (watch ? ""
                    : "; follow it with 'steward rollout watch " + d.id() + "'"));
            if (!watch) {
                return 0;
            }
        }
        return Rollout.follow(c, new DeployResult(d, null, false, "following deployment " + d.id() + " of " + d.service()), Duration.ofMinutes(30),
                conn.json(), System.out);
    }
}
