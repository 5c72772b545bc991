package dev.steward.steps;

import dev.steward.api.ServiceInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code deleteService} step: deletes a service (its instances stop, its deployments are
 * aborted and its monitors stopped; then it is forgotten with its history) and, unless told not
 * to, waits until it is gone, logging how many instances still stop. A service that is not there
 * is, by default, nothing to do: a pipeline that cleans up a per-branch environment runs again
 * without failing. After a controller restart the wait goes on ({@link #join}) without asking
 * again.
 */
public final class ServiceDelete {
    private final StewardClient client;
    private final String app;
    private final String env;
    private final StepListener listener;
    private final boolean missing;
    private volatile int stopping;

    private ServiceDelete(StewardClient client, String app, String env, StepListener listener, boolean missing, int stopping) {
        this.client = client;
        this.app = app;
        this.env = env;
        this.listener = listener;
        this.missing = missing;
        this.stopping = stopping;
    }

    /**
     * Asks for the delete. A service that is not there fails with the allocator's reason unless
     * {@code missingOk}; then nothing is done and {@link #gone} is true at once.
     */
    public static ServiceDelete start(StewardClient client, String app, String env, boolean missingOk, StepListener listener) throws IOException {
        ServiceInfo s;
        try {
            s = client.deployments().delete(app, env);
        } catch (StewardException e) {
            if (e.status() == 404 && missingOk) {
                listener.line("steward: there is no service " + app + "/" + env + " (or it is not this role's): nothing to delete");
                return new ServiceDelete(client, app, env, listener, true, 0);
            }
            throw e;
        }
        listener.line("steward: deleting " + s.name() + (s.stopping() == 0 ? "" : ": " + Units.count(s.stopping(), "instance") + " stopping"));
        return new ServiceDelete(client, app, env, listener, false, s.stopping());
    }

    /**
     * Goes on waiting for a delete asked before (after a controller restart): the delete is not
     * asked again, so a service gone meanwhile is simply gone, not "missing".
     */
    public static ServiceDelete join(StewardClient client, String app, String env, StepListener listener) {
        return new ServiceDelete(client, app, env, listener, false, -1);
    }

    /** True when there was nothing to delete. */
    public boolean missing() {
        return missing;
    }

    /**
     * Waits without holding a thread until the service is gone (true) or {@code deadline} passes
     * (false); each change of how many instances still stop is a log line.
     */
    public CompletableFuture<Boolean> awaitGoneAsync(Instant deadline, Clock clock) {
        if (missing) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> watch = client.deployments().awaitGoneAsync(app, env, deadline, clock, this::show);
        CompletableFuture<Boolean> out = watch.thenApply(gone -> {
            listener.line(gone ? "steward: deleted " + app + "/" + env
                    : "steward: " + app + "/" + env + " is still being deleted" + (stopping < 0 ? "" : " (" + Units.count(stopping, "instance") + " stopping)")
                    + "; it goes on on the allocator");
            return gone;
        });
        out.whenComplete((x, e) -> {
            if (out.isCancelled()) {
                watch.cancel(false); // a step stopped: the watch stops, and with it the query it has parked on the allocator
            }
        });
        return out;
    }

    private void show(ServiceInfo s) {
        if (s.stopping() != stopping) {
            stopping = s.stopping();
            listener.line("steward: " + Units.count(s.stopping(), "instance") + " still stopping");
            listener.status("deleting: " + Units.count(s.stopping(), "instance") + " stopping");
        }
    }
}
