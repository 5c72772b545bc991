package dev.steward.steps;

import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.DeploymentEvent;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.Endpoint;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The {@code deploy} step: start a deployment (or join one by its saved id after a controller
 * restart), stream its progress into the log, and end with its outcome: succeeded with the
 * revision, digest and instances, or not, with the reasons. On abort, the deployment is
 * aborted or left to go on, as configured.
 */
public final class DeployWatch {
    private final StewardClient client;
    private final String app;
    private final String env;
    private final StepListener listener;
    private final String deploymentId;
    private final DeployResult started;
    private volatile long seenEvent;

    private DeployWatch(StewardClient client, String app, String env, StepListener listener, String deploymentId, DeployResult started, long seen) {
        this.client = client;
        this.app = app;
        this.env = env;
        this.listener = listener;
        this.deploymentId = deploymentId;
        this.started = started;
        this.seenEvent = seen;
    }

    /** The outcome: whether it succeeded, its final state and reason, the revision, the package digest, the instances' endpoints. */
    public record Outcome(boolean succeeded, String state, String reason, Integer revision, String packageDigest, String deployment,
                          List<Endpoint> endpoints, String message) {

        /**
         * What the {@code deploy} step returns to the Pipeline: {@code revision}, {@code packageDigest},
         * {@code deployment} and {@code instances} (each {@code instance}, {@code host}, {@code ports}
         * by name, {@code revision}, {@code address} as host:first-port), in plain maps and lists
         * (Groovy reads {@code r.instances[0].ports.http}; the Pipeline can save them).
         */
        public java.util.Map<String, Object> stepResult() {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            out.put("revision", revision);
            out.put("packageDigest", packageDigest);
            out.put("deployment", deployment);
            java.util.List<Object> instances = new java.util.ArrayList<>();
            for (Endpoint e : endpoints == null ? List.<Endpoint>of() : endpoints) {
                java.util.TreeMap<String, Integer> ports = new java.util.TreeMap<>(e.ports() == null ? java.util.Map.of() : e.ports());
                java.util.Map<String, Object> i = new java.util.LinkedHashMap<>();
                i.put("instance", e.instance());
                i.put("host", e.host());
                i.put("ports", ports);
                i.put("revision", e.revision());
                i.put("address", ports.isEmpty() ? e.host() : e.host() + ":" + ports.firstEntry().getValue());
                instances.add(i);
            }
            out.put("instances", instances);
            return out;
        }
    }

    public static DeployWatch start(StewardClient client, String app, String env, DeployRequest req, StepListener listener) throws IOException {
        DeployResult r = client.deployments().deploy(app, env, req);
        listener.line("steward: " + r.message());
        // a no-op that names a deployment names one still rolling out what was asked (the same deploy again, from another build
        // or a replay): it is followed to its end, as the deploy that started it is, never taken for a success already
        String id = r.deployment() == null ? null : r.deployment().id();
        return new DeployWatch(client, app, env, listener, id, r, 0);
    }

    /**
     * The {@code rollbackService} step's start: rolls {@code app}/{@code env} back to revision
     * {@code to} (null: back from what runs, as {@code steward rollback} does), as a new revision
     * whose deployment is then followed as a deploy's is. A refusal (no such revision, nothing
     * stable to go back to) is the allocator's, with its reason.
     */
    public static DeployWatch rollback(StewardClient client, String app, String env, Integer to, StepListener listener) throws IOException {
        DeployResult r = client.deployments().rollback(app, env, to);
        listener.line("steward: rolling " + app + "/" + env + " back to revision " + r.revision().rolledBackTo() + " as revision " + r.revision().number()
                + " (deployment " + r.deployment().id() + ", " + r.deployment().rollout().type().name().toLowerCase(java.util.Locale.ROOT) + ")"
                + (r.message().startsWith("queued") ? "; " + r.message() : ""));
        return new DeployWatch(client, app, env, listener, r.deployment().id(), r, 0);
    }

    /**
     * The {@code restartService} step's start: replaces every instance of {@code app}/{@code env}
     * by a fresh one of the package and config that runs ({@code steward restart}), as a new
     * revision whose deployment is then followed as a deploy's is. A refusal (a deployment under
     * way, no instance to restart) is the allocator's, with its reason.
     */
    public static DeployWatch restart(StewardClient client, String app, String env, dev.steward.api.RestartRequest req, StepListener listener)
            throws IOException {
        DeployResult r = client.deployments().restart(app, env, req);
        listener.line("steward: " + r.message());
        return new DeployWatch(client, app, env, listener, r.deployment().id(), r, 0);
    }

    /** Joins a deployment started before a restart; events already shown (up to {@code seenEvent}) are not repeated. */
    public static DeployWatch join(StewardClient client, String app, String env, String deploymentId, long seenEvent, StepListener listener) {
        listener.line("steward: following deployment " + deploymentId + " again");
        return new DeployWatch(client, app, env, listener, deploymentId, null, seenEvent);
    }

    /** The deployment to save for a restart (null for a no-op with nothing rolling out; a scale, or the same deploy again while it rolls out, has the one it joins). */
    public String deploymentId() {
        return deploymentId;
    }

    public long seenEvent() {
        return seenEvent;
    }

    /** Follows to the end (or {@code timeout}), blocking: for a caller that may, such as the CLI. */
    public Outcome follow(Duration timeout) throws IOException {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return outcome(StewardClient.join(awaitEndAsync(clock.instant().plus(timeout), clock)), timeout);
    }

    /**
     * Follows without holding a thread, until {@code deadline} (absolute: saved by the step, so a
     * follow resumed after a restart ends when the first would have); every event becomes a log
     * line, the counts the status. Completes with the ended deployment, or null when the deadline
     * passed first (or for a no-op, which has no deployment). Pass the value to {@link #outcome}.
     */
    public java.util.concurrent.CompletableFuture<DeploymentInfo> awaitEndAsync(java.time.Instant deadline, java.time.Clock clock) {
        if (deploymentId == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        return client.deployments().followAsync(deploymentId, seenEvent, deadline, clock, this::event, x -> listener.status(status(x)));
    }

    /** The outcome of what {@link #awaitEndAsync} gave (a few short reads); {@code waited} names the wait in the message when it ran out. */
    public Outcome outcome(DeploymentInfo ended, Duration waited) throws IOException {
        if (deploymentId == null) {
            var svc = client.deployments().service(app, env);
            return new Outcome(true, "NOOP", started.message(), svc.revision(), started.revision() == null ? null : started.revision().spec().packageDigest(),
                    null, client.deployments().endpoints(app, env), started.message());
        }
        DeploymentInfo d = ended != null ? ended : client.deployments().deployment(deploymentId);
        if (!d.state().terminal()) {
            String after = waited == null ? "its deadline" : dev.steward.api.Units.format(waited);
            return new Outcome(false, d.state().name(), "still " + d.state() + " after " + after, d.revision(), null,
                    d.id(), List.of(), "deployment " + d.id() + " has not ended after " + after + " (it goes on; follow it with 'steward rollout watch " + d.id() + "')");
        }
        String digest = client.deployments().revisions(app, env).stream().filter(r -> r.number() == d.revision()).map(r -> r.spec().packageDigest())
                .findFirst().orElse(null);
        boolean ok = d.state() == DeploymentState.SUCCEEDED;
        String msg = ok ? "deployment " + d.id() + " succeeded: revision " + d.revision() + " of " + d.service()
                : "deployment " + d.id() + " " + d.state().name().toLowerCase().replace('_', ' ') + ": " + d.reason();
        listener.line("steward: " + msg);
        if (!ok) { // what the failed instance last wrote: the build log says why it exited (two short log reads)
            dev.steward.client.FailureOutput.of(client, d).forEach(l -> listener.line("steward: " + l));
        }
        return new Outcome(ok, d.state().name(), d.reason(), d.revision(), digest, d.id(), client.deployments().endpoints(app, env), msg);
    }

    private synchronized void event(DeploymentEvent e) {
        if (e.seq() > seenEvent) {
            listener.line("steward: " + e.message());
            seenEvent = e.seq();
        }
    }

    /** On abort of the step: abort the deployment (it returns to the stable revision) or leave it to go on. */
    public void aborted(boolean abortDeployment) {
        if (deploymentId == null) {
            return;
        }
        if (!abortDeployment) {
            listener.line("steward: the step was aborted; deployment " + deploymentId + " goes on");
            return;
        }
        try {
            DeploymentInfo d = client.deployments().abort(deploymentId);
            listener.line("steward: the step was aborted; deployment " + deploymentId + " is " + d.state());
        } catch (IOException e) {
            listener.line("steward: could not abort deployment " + deploymentId + ": " + e.getMessage());
        }
    }

    static String status(DeploymentInfo d) {
        return d.state() + " revision " + d.revision() + ": new " + d.newAvailable() + "/" + d.newInstances() + " available"
                + (d.oldInstances() > 0 ? ", old " + d.oldAvailable() + "/" + d.oldInstances() : "") + " of " + d.desired();
    }
}
