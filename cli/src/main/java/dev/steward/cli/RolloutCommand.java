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
 * {@code steward rollout ACTION DEPLOYMENT}, or {@code ACTION APP --env ENV} (as {@code kubectl
 * rollout status deployment/web} names what rolls out, not a rollout's id): status, watch, pause,
 * resume, promote (a canary's next step) or abort a deployment. With an app, the action is on its
 * service's deployment under way; status and watch, with none under way, show its last.
 * {@code status} prints the deployment as it stands, once (the live view's frame, or its JSON);
 * every other action but watch returns once the allocator has accepted it; {@code --watch} then
 * follows the deployment to its end, as {@code watch} does.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = {"Act on a deployment: status (print it once), watch (follow to its end), pause, resume, promote (a canary to its next step), abort.",
                "Name the deployment by its id, or by its service: APP --env ENV (the deployment under way; status and watch: else the last).",
                "pause, resume, promote and abort return once accepted (exit 0; 1 when refused, e.g. a deployment that has ended);",
                "add --watch to follow the deployment to its end."})
final class RolloutCommand implements Callable<Integer> {
    /** The actions, in the order help names them. */
    private static final java.util.List<String> ACTIONS = java.util.List.of("status", "watch", "pause", "resume", "promote", "abort");

    /** The actions: what {@code steward completion} offers after {@code rollout}. */
    static final class Actions implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ACTIONS.iterator();
        }
    }
    private static final String NOT_AN_ACTION = "' is not status, watch, pause, resume, promote or abort";

    @Parameters(index = "0", arity = "0..1", paramLabel = "ACTION", description = "status, watch, pause, resume, promote or abort",
            completionCandidates = Actions.class)
    String action;
    @Parameters(index = "1", arity = "0..1", paramLabel = "DEPLOYMENT", description = "The deployment id; with --env, an app instead")
    String id;
    @picocli.CommandLine.Option(names = "--env", description = "The environment: DEPLOYMENT is then an app, and the action is on its service's deployment")
    String env;
    @picocli.CommandLine.Option(names = "--watch", description = "After the action, follow the deployment to its end (exit 0 only if it succeeds)")
    boolean watch;
    @Mixin
    Connection conn;
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (action != null && !ACTIONS.contains(action)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "'" + action + NOT_AN_ACTION);
        }
        if (action == null || id == null) { // picocli's "Missing required parameters: '<action>', '<id>'" said neither what nor how
            String a = action == null ? "status" : action;
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), (action == null ? "name an action and a deployment" : "name a deployment")
                    + ": 'steward rollout " + a + " DEPLOYMENT_ID', or by its service: 'steward rollout " + a + " APP --env ENV' (actions: "
                    + String.join(", ", ACTIONS) + ")");
        }
        StewardClient c = conn.client();
        String id = env == null ? this.id : ServiceDeployment.of(c.deployments().service(this.id, env), action.equals("status") || action.equals("watch"));
        DeploymentInfo d = switch (action) {
            case "status", "watch" -> c.deployments().deployment(id);
            case "pause" -> c.deployments().pause(id);
            case "resume" -> c.deployments().resume(id);
            case "promote" -> c.deployments().promote(id);
            case "abort" -> c.deployments().abort(id);
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "'" + action + NOT_AN_ACTION);
        };
        if (action.equals("status") && !watch) {
            if (conn.json()) {
                Output.json(d);
                return 0;
            }
            (d.state().terminal() ? LiveView.render(d, java.util.List.of(), java.util.Map.of()) : Rollout.frame(c, d, new java.util.HashMap<>())).forEach(System.out::println);
            System.out.println(Rollout.status(d));
            if (d.state().terminal() && d.state() != dev.steward.api.DeploymentState.SUCCEEDED) {
                dev.steward.client.FailureOutput.of(c, d).forEach(System.out::println); // what its failed instance last wrote
            }
            return 0;
        }
        if (!action.equals("watch") && !action.equals("status")) {
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
