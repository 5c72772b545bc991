package dev.steward.client;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.DeploymentEvent;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.Endpoint;
import dev.steward.api.InstanceInfo;
import dev.steward.api.RevisionInfo;
import dev.steward.api.ServiceInfo;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Services and deployments from a client: deploy, follow a deployment to its end with its
 * events, rollback, restart, promote, pause, resume, abort, delete a service, and the reads (history,
 * instances, endpoints).
 */
public final class DeployClient {
    private final StewardClient c;

    DeployClient(StewardClient c) {
        this.c = c;
    }

    private static String svc(String app, String env) {
        return Paths.v1("services", app, env);
    }

    /** PUT is idempotent here: the same spec again is a no-op, so a retry after a lost answer starts nothing twice. */
    public DeployResult deploy(String app, String env, DeployRequest req) throws IOException {
        return c.call("PUT", svc(app, env), req, DeployResult.class, true);
    }

    /** What {@link #deploy} would do, worked out by the allocator with the deploy's own checks and refusals; nothing changes. */
    public dev.steward.api.DeployPlan plan(String app, String env, DeployRequest req) throws IOException {
        return c.call("POST", svc(app, env) + "/plan", req, dev.steward.api.DeployPlan.class, true);
    }

    /** What {@link #rollback} would do, with the rollback's own checks and refusals; nothing changes. */
    public dev.steward.api.DeployPlan planRollback(String app, String env, Integer revision) throws IOException {
        return c.call("POST", svc(app, env) + "/rollback/plan", new dev.steward.api.RollbackRequest(revision), dev.steward.api.DeployPlan.class, true);
    }

    public DeployResult rollback(String app, String env, Integer revision) throws IOException {
        return c.call("POST", svc(app, env) + "/rollback", new dev.steward.api.RollbackRequest(revision), DeployResult.class, false);
    }

    /**
     * A rolling restart: every instance replaced by a fresh one of the package and config that
     * runs, as a new revision (not retried: a retry after a lost answer would restart twice).
     */
    public DeployResult restart(String app, String env, dev.steward.api.RestartRequest req) throws IOException {
        return c.call("POST", svc(app, env) + "/restart", req, DeployResult.class, false);
    }

    /**
     * Restarts one instance as a drain moves one: a fresh instance of its revision takes its place,
     * then it stops. Returns it as it was; asked again meanwhile, nothing more (so it is retried).
     * {@code req}: its reason and actor (null: none).
     */
    public InstanceInfo restartInstance(String app, String env, String id, dev.steward.api.RestartRequest req) throws IOException {
        return c.call("POST", svc(app, env) + "/instances/" + Paths.segment(id) + "/restart", req, InstanceInfo.class, true);
    }

    /** What {@link #restart} would do, with the restart's own checks and refusals; nothing changes. */
    public dev.steward.api.DeployPlan planRestart(String app, String env, dev.steward.api.RestartRequest req) throws IOException {
        return c.call("POST", svc(app, env) + "/restart/plan", req, dev.steward.api.DeployPlan.class, true);
    }

    public ServiceInfo service(String app, String env) throws IOException {
        return c.get(svc(app, env), new TypeReference<>() { });
    }

    /**
     * Deletes a service: no instance is wanted, its deployments are aborted and its monitors
     * stopped; once its last instance has stopped it is gone, with its revisions, deployments and
     * reports. Returns it as the allocator then had it, {@link ServiceInfo#deletingSince} set;
     * {@code running} tells whether instances are still stopping ({@link #awaitGone} waits for them).
     */
    public ServiceInfo delete(String app, String env) throws IOException {
        return c.call("DELETE", svc(app, env), null, ServiceInfo.class, true);
    }

    /**
     * Waits, with blocking queries, until a service being deleted is gone (its read answers 404),
     * or {@code timeout} passes: true if it went. Each new state of its record goes to {@code onChange}.
     */
    public boolean awaitGone(String app, String env, Duration timeout, Consumer<ServiceInfo> onChange) throws IOException {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return StewardClient.join(awaitGoneAsync(app, env, clock.instant().plus(timeout), clock, onChange));
    }

    /**
     * {@link #awaitGone} without a parked thread ({@link StewardClient#watchAsync}): completes with
     * true once the service is gone, false when {@code deadline} passed first.
     */
    public java.util.concurrent.CompletableFuture<Boolean> awaitGoneAsync(String app, String env, java.time.Instant deadline, java.time.Clock clock,
                                                                         Consumer<ServiceInfo> onChange) {
        java.util.concurrent.CompletableFuture<ServiceInfo> watch = c.watchAsync(svc(app, env), ServiceInfo.class, deadline, clock, x -> false, onChange);
        java.util.concurrent.CompletableFuture<Boolean> out = watch.handle((last, err) -> {
            Throwable t = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
            if (t == null) {
                return false; // the deadline came first
            }
            if (t instanceof StewardException e && e.status() == 404) {
                return true;
            }
            throw t instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(t);
        });
        out.whenComplete((x, e) -> {
            if (out.isCancelled()) {
                watch.cancel(false); // cancelling the wait stops the polling
            }
        });
        return out;
    }

    public List<ServiceInfo> services() throws IOException {
        return c.get("/v1/services", new TypeReference<>() { });
    }

    /** The service's secrets (never their values): the token's role's; for the admin every role's, or {@code role}'s (null: all). */
    public List<dev.steward.api.SecretInfo> secrets(String app, String env, String role) throws IOException {
        return c.get(svc(app, env) + "/secrets" + roleParam(role), new TypeReference<>() { });
    }

    /** Sets a secret of the service (a new version if it is set already); {@code role}: the admin's choice, null for the service's. */
    public dev.steward.api.SecretInfo setSecret(String app, String env, String name, String value, String role) throws IOException {
        return c.call("PUT", svc(app, env) + "/secrets/" + Paths.segment(name) + roleParam(role), new dev.steward.api.SecretValue(value),
                dev.steward.api.SecretInfo.class, true);
    }

    /** Deletes a secret of the service; a 409 while a revision that may run uses it. */
    public dev.steward.api.SecretInfo deleteSecret(String app, String env, String name, String role) throws IOException {
        return c.call("DELETE", svc(app, env) + "/secrets/" + Paths.segment(name) + roleParam(role), null, dev.steward.api.SecretInfo.class, true);
    }

    private static String roleParam(String role) {
        return role == null ? "" : "?role=" + java.net.URLEncoder.encode(role, java.nio.charset.StandardCharsets.UTF_8);
    }

    public List<RevisionInfo> revisions(String app, String env) throws IOException {
        return c.get(svc(app, env) + "/revisions", new TypeReference<>() { });
    }

    public List<InstanceInfo> instances(String app, String env) throws IOException {
        return c.get(svc(app, env) + "/instances", new TypeReference<>() { });
    }

    /** A blocking query of the instances: answers once something in the state changed after {@code after}, or when {@code wait} is over. */
    public Indexed<List<InstanceInfo>> instances(String app, String env, long after, Duration wait) throws IOException {
        return c.query(svc(app, env) + "/instances", after, wait, StewardClient.JSON.getTypeFactory().constructCollectionType(List.class, InstanceInfo.class));
    }

    public List<Endpoint> endpoints(String app, String env) throws IOException {
        return c.get(svc(app, env) + "/endpoints", new TypeReference<>() { });
    }

    public List<DeploymentInfo> deployments(String app, String env) throws IOException {
        return c.get(svc(app, env) + "/deployments", new TypeReference<>() { });
    }

    public DeploymentInfo deployment(String id) throws IOException {
        return c.get(Paths.v1("deployments", id), new TypeReference<>() { });
    }

    public DeploymentInfo pause(String id) throws IOException {
        return c.call("POST", Paths.v1("deployments", id, "pause"), null, DeploymentInfo.class, true);
    }

    public DeploymentInfo resume(String id) throws IOException {
        return c.call("POST", Paths.v1("deployments", id, "resume"), null, DeploymentInfo.class, false);
    }

    public DeploymentInfo promote(String id) throws IOException {
        return c.call("POST", Paths.v1("deployments", id, "promote"), null, DeploymentInfo.class, false);
    }

    public DeploymentInfo abort(String id) throws IOException {
        return c.call("POST", Paths.v1("deployments", id, "abort"), null, DeploymentInfo.class, true);
    }

    /**
     * Follows a deployment until it ends or {@code timeout} passes: every new event goes to
     * {@code onEvent}, every new state of the record to {@code onChange}. Returns the last
     * record seen (ended, or not yet when the timeout came first).
     */
    public DeploymentInfo follow(String id, Duration timeout, Consumer<DeploymentEvent> onEvent, Consumer<DeploymentInfo> onChange) throws IOException {
        java.time.Clock clock = java.time.Clock.systemUTC();
        DeploymentInfo last = StewardClient.join(followAsync(id, 0, clock.instant().plus(timeout), clock, onEvent, onChange));
        return last != null ? last : deployment(id);
    }

    /**
     * {@link #follow} without a parked thread ({@link StewardClient#watchAsync}): completes with the
     * deployment once it has ended, or null when {@code deadline} passed first. Events after
     * {@code seenEvent} go to {@code onEvent}, each once.
     */
    public java.util.concurrent.CompletableFuture<DeploymentInfo> followAsync(String id, long seenEvent, java.time.Instant deadline, java.time.Clock clock,
                                                                            Consumer<DeploymentEvent> onEvent, Consumer<DeploymentInfo> onChange) {
        long[] seen = {seenEvent};
        return c.watchAsync(Paths.v1("deployments", id), DeploymentInfo.class, deadline, clock, d -> d.state().terminal(), d -> {
            if (d.events() != null) {
                for (DeploymentEvent e : d.events()) {
                    if (e.seq() > seen[0]) {
                        onEvent.accept(e);
                        seen[0] = e.seq();
                    }
                }
            }
            onChange.accept(d);
        });
    }
}
