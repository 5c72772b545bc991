package dev.steward.allocator.deploy;

import dev.steward.allocator.state.Conflict;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.RevisionInfo;
import dev.steward.api.RolloutSpec;
import dev.steward.api.RunSpec;
import dev.steward.api.ValidationException;

import java.time.Instant;

/**
 * The restart of a whole service: a new revision with the spec of the one it runs, rolled out
 * over every instance as a rollback would be ({@code kubectl rollout restart}); its plan is
 * {@link Plans#restart}. One instance's restart is {@link InstanceRestarts}.
 */
final class Restarts {
    private final Services services;
    private final Deploys deploys;

    Restarts(Services services, Deploys deploys) {
        this.services = services;
        this.deploys = deploys;
    }

    /**
     * A rolling restart, as {@code kubectl rollout restart}: a new revision with the package and
     * config of the one the service runs (each secret at its version now, so a secret set since
     * reaches the instances), rolled out over every instance as a rollback would roll out
     * ({@link #restartRollout}). Refused (409) while a deployment is under way, while the service
     * is being deleted, and when it runs no instance; 404 for a service that is not there.
     */
    DeployResult restart(String name, dev.steward.api.RestartRequest req, String who, Instant now) {
        Restart r = restartOf(name, req);
        ServiceRecord s = r.service();
        RevisionInfo rev = new RevisionInfo(name, s.nextRevision(), r.spec(), now, req.actor() != null ? req.actor() + " (" + who + ")" : who,
                r.of().buildUrl(), r.of().promotedFrom(), null, r.of().number(), false);
        DeployResult started = deploys.start(s, rev, r.rollout(), s.instances(), DeployRequest.OnConflict.SUPERSEDE, who, now, "restart of revision "
                + r.of().number() + (req.reason() == null || req.reason().isBlank() ? "" : ": " + req.reason()));
        String caveat = unstable(r);
        return caveat.isEmpty() ? started : new DeployResult(started.deployment(), started.revision(), started.noop(), started.message() + caveat);
    }

    /**
     * What to add when a restart runs a revision that never succeeded (a rollout that failed
     * without rolling back leaves the service on it): the user may have meant the stable one.
     */
    static String unstable(Restart r) {
        ServiceRecord s = r.service();
        return r.of().stable() || s.stable() == null ? "" : "; note: revision " + r.of().number() + " is not stable (its rollout did not succeed), so "
                + "the restart rolls it out again; 'steward rollback' returns to revision " + s.stable();
    }

    /** A restart worked out and checked, nothing changed: the service, the revision it runs again, what the new one runs, and how it rolls out. */
    record Restart(ServiceRecord service, RevisionInfo of, RunSpec spec, RolloutSpec rollout) {
    }

    /** Works a restart out with every check it makes ({@link #restart}), changing nothing. */
    Restart restartOf(String name, dev.steward.api.RestartRequest req) {
        req.check();
        ServiceRecord s = services.record(name);
        deploys.refuseWhileDeleting(s);
        DeploymentInfo running = deploys.running(s);
        if (running != null) {
            throw new Conflict("deployment " + running.id() + " is rolling out revision " + running.revision() + " of " + name + " ("
                    + running.state().name().toLowerCase(java.util.Locale.ROOT) + "); restart once it has ended (steward rollout watch " + running.id()
                    + "), or abort it");
        }
        RevisionInfo of = s.revision() == 0 ? null : services.revisionRecord(Services.revisionId(name, s.revision()));
        if (of == null) {
            throw new Conflict("service " + name + " runs no revision yet: there is nothing to restart");
        }
        if (s.instances() == 0) {
            throw new Conflict("service " + name + " runs 0 instances: there is nothing to restart (scale it up with steward deploy " + s.app() + " --env "
                    + s.env() + " --instances N)");
        }
        RolloutSpec rollout = restartRollout(s, req);
        RunSpec spec = deploys.rollbackSpec(s, of);
        deploys.fitsLimit(name, s.role(), rollout, spec.allocation(s.role(), Services.allocationName(s.app(), s.env(), null)).parseNew().shape(), s.instances(), true);
        return new Restart(s, of, spec, rollout);
    }

    /**
     * How a restart of {@code s} rolls out: as a rollback would ({@link Deploys#rollbackRollout}: rolling
     * with the service's own bounds and timings, a recreate stays a recreate), with the request's
     * maxSurge and maxUnavailable in place of the bounds; refused for a recreate, which has none.
     */
    RolloutSpec restartRollout(ServiceRecord s, dev.steward.api.RestartRequest req) {
        RolloutSpec base = deploys.rollbackRollout(s);
        if (!req.overridesBounds()) {
            return base;
        }
        if (base.type() == RolloutSpec.Strategy.RECREATE) {
            throw new ValidationException(req.maxSurge() != null ? "maxSurge" : "maxUnavailable", "applies to a rolling restart; " + s.name()
                    + " rolls out with recreate (it must never run two instances of different revisions at once), which stops every instance first");
        }
        return new RolloutSpec("rolling", req.maxSurge() != null ? req.maxSurge() : base.maxSurge(), req.maxUnavailable() != null ? req.maxUnavailable()
                : base.maxUnavailable(), base.minReadySeconds(), null, null, base.minHealthyTime(), base.healthyDeadline(), base.progressDeadline(),
                base.autoRollback()).validate(s.instances());
    }
}
