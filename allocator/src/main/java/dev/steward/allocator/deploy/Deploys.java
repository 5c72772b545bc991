package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.Conflict;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.PackageManifest;
import dev.steward.api.ResourceAmounts;
import dev.steward.api.RevisionInfo;
import dev.steward.api.RolloutSpec;
import dev.steward.api.RunSpec;
import dev.steward.api.ValidationException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a deploy or a rollback makes (a restart's, {@link Restarts}): the run spec (from the request and the package's manifest,
 * or exactly the source's stable revision for a promotion), then a no-op, a scale, or a new
 * revision and its deployment, which supersedes or queues behind the running one.
 */
final class Deploys {
    private final ClusterState state;
    private final Services services;

    Deploys(ClusterState state, Services services) {
        this.state = state;
        this.services = services;
    }

    /**
     * What a deploy would make: nothing, a scale, the revision that runs deployed again (its last
     * deployment failed or was aborted), or a new revision (with the service, for a new one).
     */
    enum Kind { NOOP, SCALE, RETRY, NEW_REVISION }

    /**
     * A deploy worked out and checked, nothing changed yet: the service as it is (or as it would
     * be made, with the priority it will have), the run spec, the rollout, how many instances, what
     * it would make, and the priority it had when the deploy changes it (else null).
     */
    record Decision(Kind kind, String name, boolean created, ServiceRecord service, RunSpec spec, dev.steward.api.Ask asked,
                    RolloutSpec rollout, DeployRequest.OnConflict rule, int count, String promoted, DeploymentInfo running, RevisionInfo targeted,
                    Integer priorityWas) {

        /** Whether the deploy changes the priority of a service that exists ({@code service} has the new one, {@code priorityWas} the old). */
        boolean reprioritizes() {
            return priorityWas != null;
        }
    }

    /**
     * A deploy: a new revision and a deployment of it, or a scale, or a no-op that says so. With
     * {@code promoteFrom}, the run spec is the source environment's stable revision, exactly.
     */
    DeployResult deploy(String app, String env, String role, DeployRequest req, String who, Instant now) {
        Decision d = decide(app, env, role, req, now);
        ServiceRecord s = d.service();
        String digest = d.spec().packageDigest();
        String reprioritized = d.reprioritizes() ? reprioritize(s, d.priorityWas()) : "";
        switch (d.kind()) {
            case NOOP -> {
                String msg = d.running() != null ? "deployment " + d.running().id() + " is already rolling out revision " + d.targeted().number()
                        + " (same package and config)" : "revision " + d.targeted().number() + " already runs this (same package and config): nothing "
                        + (reprioritized.isEmpty() ? "to do" : "else to do");
                state.packages().use(digest, role, now); // asked for again: kept from the sweep
                if (d.reprioritizes()) {
                    services.putService(s.with(s.instances(), s.revision(), s.stable(), s.active(), s.deployment(), s.queued(), s.replaceNotBefore(),
                            s.failures(), s.nextRevision(), now, state.nextIndex()));
                }
                return new DeployResult(d.running(), d.targeted(), true, reprioritized + msg);
            }
            case RETRY -> {
                state.packages().use(digest, role, now);
                return prefixed(reprioritized, scale(s, d, who, now));
            }
            case SCALE -> {
                state.packages().use(digest, role, now);
                if (d.running() == null) {
                    return prefixed(reprioritized, scale(s, d, who, now));
                }
                services.putService(s.with(d.count(), s.revision(), s.stable(), s.active(), s.deployment(), s.queued(), s.replaceNotBefore(), s.failures(),
                        s.nextRevision(), now, state.nextIndex()));
                return new DeployResult(d.running(), d.targeted(), false, reprioritized + "scaled to " + dev.steward.api.Units.count(d.count(), "instance")
                        + "; revision " + d.targeted().number() + " unchanged, and deployment " + d.running().id() + " goes on with the new count");
            }
            default -> {
                RevisionInfo rev = new RevisionInfo(d.name(), s.nextRevision(), d.spec(), now, req.actor() != null ? req.actor() + " (" + who + ")" : who,
                        req.buildUrl(), d.promoted(), null, null, false);
                DeployResult started = start(s, rev, d.rollout(), d.count(), d.rule(), who, now, d.promoted() != null ? "promoted from " + d.promoted() : null);
                state.packages().use(digest, role, now); // refreshed only once nothing refused the deploy: a refused one leaves no trace
                return prefixed(reprioritized, started);
            }
        }
    }

    private static DeployResult prefixed(String prefix, DeployResult r) {
        return prefix.isEmpty() ? r : new DeployResult(r.deployment(), r.revision(), r.noop(), prefix + r.message());
    }

    /**
     * Moves the requests of {@code s}'s instances still waiting for a place to its priority (the
     * service as it will be stored, its priority changed from {@code was}): a raised one may
     * preempt at once, as a new instance would. Placed instances keep their allocations: a
     * service's are never preemptible, so their priority decides nothing more. Returns what to
     * tell the caller, ending in "; ".
     */
    private String reprioritize(ServiceRecord s, int was) {
        int moved = 0;
        for (dev.steward.api.InstanceInfo i : services.instancesOf(s.name())) {
            if (!i.state().terminal() && i.requestId() != null && state.reprioritize(i.requestId(), s.priorityValue())) {
                moved++;
            }
        }
        return "priority " + s.priorityValue() + " (was " + was + (moved == 0 ? "" : "; " + dev.steward.api.Units.count(moved, "instance")
                + " waiting for a place now " + (moved == 1 ? "asks" : "ask") + " at it") + "); ";
    }

    /**
     * Works a deploy out with every check it makes, and changes nothing: a refusal here is the
     * deploy's own. The deploy and its plan both start here.
     */
    Decision decide(String app, String env, String role, DeployRequest req, Instant now) {
        req.checkLabels();
        String name = Services.name(app, env);
        ServiceRecord existing = services.recordOrNull(name);
        refuseWhileDeleting(existing);
        if (existing == null) {
            roomFor(name, role);
        }
        int count = req.instances() == null && existing != null ? existing.instances() : req.instanceCount();
        if (req.steps() != null) {
            for (int i = 0; i < req.steps().size(); i++) {
                var step = req.steps().get(i);
                if (step != null) {
                    List<String> gs = step.gates();
                    for (int k = 0; k < gs.size(); k++) {
                        dev.steward.monitor.Gate.parse("steps[" + i + "].gate", gs.get(k));
                    }
                }
            }
        }
        RolloutSpec rollout = new RolloutSpec(req.strategy(), req.maxSurge(), req.maxUnavailable(), req.minReadySeconds(), req.steps(), req.scaleDownDelay(),
                req.minHealthyTime(), req.healthyDeadline(), req.progressDeadline(), req.autoRollback()).validate(count);
        DeployRequest.OnConflict rule = req.conflictRule();
        RunSpec spec;
        String promoted = null;
        if (req.promoteFrom() != null) {
            String from = Services.name(app, req.promoteFrom());
            ServiceRecord src = services.recordOrNull(from);
            if (src == null || src.stable() == null) {
                throw new Conflict("service " + from + " has no revision whose deployment succeeded; there is nothing to promote");
            }
            RevisionInfo r = services.revisionRecord(Services.revisionId(from, src.stable()));
            Promotions.check(req, r.spec(), from);
            spec = r.spec();
            promoted = from + " revision " + r.number() + (r.buildUrl() == null ? "" : " (build " + r.buildUrl() + ")");
        } else if (req.packageDigest() == null) { // the package that runs now: a scale, or a change of its config alone
            RevisionInfo base = existing == null ? null : targeted(existing, running(existing));
            if (base == null) {
                throw new ValidationException("packageDigest", "is required for " + name + ", which runs no revision yet (or promoteFrom, to take "
                        + "what runs in another environment); without it a deploy keeps the package the service runs");
            }
            spec = withManifestDefaults(req.runSpecOver(base.spec()), state.packages().stored(base.spec().packageDigest()));
        } else {
            spec = withManifestDefaults(req.runSpec(), state.packages().stored(req.packageDigest()));
        }
        int priority = req.priorityOr(existing == null ? state.defaultPriority(role) : existing.priorityValue());
        Integer priorityWas = existing != null && existing.priorityValue() != priority ? existing.priorityValue() : null;
        if (req.priority() != null) { // one kept from before the role's cap was lowered stays: a cap takes nothing away
            state.allowPriority(role, priority, "service " + name);
        }
        var asked = spec.allocation(role, Services.allocationName(app, env, null), priority).parseNew(); // the instances' allocations must be valid new requests
        state.packages().stored(spec.packageDigest());
        state.packages().fitsDisk(spec.packageDigest(), asked.shape().diskMib(), "each instance of " + name);
        ServiceRecord s = existing;
        if (s == null) {
            s = new ServiceRecord(name, app, env, role, count, 0, null, null, null, List.of(), null, 0, 1, now, now, state.nextIndex(),
                    state.nextIndex(), null, priority);
        } else if (!s.role().equals(role)) {
            throw new Conflict("service " + name + " belongs to role '" + s.role() + "'");
        } else if (priorityWas != null) {
            s = s.withPriority(priority); // what the deploy stores carries it
        }
        spec = withSecretVersions(spec, role, name); // a promotion's too: this environment's secrets, not the source's
        DeploymentInfo running = running(s);
        RevisionInfo targeted = targeted(s, running);
        Kind kind = targeted != null && targeted.spec().equals(spec) && (running == null || running.state() != DeploymentState.ROLLING_BACK)
                ? count == s.instances() ? Kind.NOOP : Kind.SCALE : Kind.NEW_REVISION;
        if (kind == Kind.NOOP && running == null && unfinished(s) != null) {
            kind = Kind.RETRY;
        }
        if (kind == Kind.NEW_REVISION || kind == Kind.RETRY || kind == Kind.SCALE && count > s.instances()) {
            fitsLimit(name, role, rollout, asked.shape(), count, kind == Kind.NEW_REVISION && existing != null);
        }
        return new Decision(kind, name, existing == null, s, spec, asked, rollout, rule, count, promoted, running, targeted, priorityWas);
    }

    /** Rolls back to a kept revision (default: the stable one) as a new revision with its spec. */
    /**
     * A rollback to revision {@code to}, or by default back from what runs, like
     * {@code kubectl rollout undo}: to the stable revision while the current one is not stable
     * (a rollout failed, was aborted or still runs), else to the newest earlier stable revision
     * with another spec.
     */
    DeployResult rollback(String name, Integer to, String who, Instant now) {
        ServiceRecord s = services.record(name);
        refuseWhileDeleting(s);
        RevisionInfo r = rollbackTarget(s, to);
        int target = r.number();
        RevisionInfo rev = new RevisionInfo(name, s.nextRevision(), rollbackSpec(s, r), now, who, r.buildUrl(), r.promotedFrom(), target, null, false);
        RolloutSpec rollout = rollbackRollout(s);
        fitsLimit(name, s.role(), rollout, rev.spec().allocation(s.role(), Services.allocationName(s.app(), s.env(), null)).parseNew().shape(), s.instances(), true);
        return start(s, rev, rollout, s.instances(), DeployRequest.OnConflict.SUPERSEDE, who, now, "rollback to revision " + target);
    }

    /**
     * How a rollback of {@code s} rolls out: as its last deployment did ({@link RolloutSpec#forRollback}),
     * with the health timings and deadlines the service was deployed with rather than the defaults
     * (a slow starter's long healthyDeadline kept, a quick one's short minHealthyTime too); the
     * defaults for a service with no deployment kept.
     */
    RolloutSpec rollbackRollout(ServiceRecord s) {
        DeploymentInfo last = services.lastDeployment(s.name());
        return last == null ? RolloutSpec.ROLLING : last.rollout().forRollback().validate(s.instances());
    }

    /**
     * What a rollback to {@code r} runs: its spec, with each secret at its version now. A secret's
     * older values are not kept, so a rollback runs with the current ones (as Kubernetes does);
     * one deleted since is a 409 that names it.
     */
    RunSpec rollbackSpec(ServiceRecord s, RevisionInfo r) {
        return withSecretVersions(r.spec(), s.role(), s.name());
    }

    /** {@code spec} with the version each of its secrets has now for role {@code role}'s service {@code name}: a 409 naming any not set. */
    private RunSpec withSecretVersions(RunSpec spec, String role, String name) {
        if (spec.secrets() == null || spec.secrets().isEmpty()) {
            return spec;
        }
        return spec.withSecretVersions(services.secrets().versions(role, name, spec.secrets().keySet()));
    }

    /**
     * A 409 when the role's limit could never let {@code count} instances of {@code each} roll out
     * ({@link LimitFit}); {@code replaces}: over the service's live instances, which it holds
     * beside the first new ones.
     */
    void fitsLimit(String name, String role, RolloutSpec rollout, dev.steward.api.Resources each, int count, boolean replaces) {
        LimitFit.check(state.role(role), name, rollout, each, count, !replaces ? java.util.Map.of() : LimitFit.held(services.instancesOf(name), id -> {
            dev.steward.api.AllocationInfo a = state.allocationOrNull(id);
            return a == null || a.state().terminal() ? null : a.resources();
        }));
    }

    /**
     * The service's last deployment when it failed or was aborted on the revision that runs, so
     * what runs may not be what was asked (an instance short, or not yet healthy); else null. The
     * same deploy run again then deploys it again rather than saying there is nothing to do: a
     * build retried after a failed deploy must not pass on a service that never came up. A
     * rollout aborted back to the stable revision is not one: the stable revision runs as it did.
     */
    DeploymentInfo unfinished(ServiceRecord s) {
        if (s.revision() == 0) {
            return null;
        }
        List<DeploymentInfo> ds = services.deploymentsOf(s.name());
        DeploymentInfo last = ds.isEmpty() ? null : ds.get(0);
        return last != null && last.revision() == s.revision() && (last.state() == DeploymentState.FAILED || last.state() == DeploymentState.ABORTED)
                ? last : null;
    }

    /** The deployment under way for {@code s}, or null. */
    DeploymentInfo running(ServiceRecord s) {
        return s.deployment() == null ? null : services.deploymentRecord(s.deployment());
    }

    /** The revision {@code s} targets now: the one {@code running} rolls out, else the current one (null for a new service). */
    RevisionInfo targeted(ServiceRecord s, DeploymentInfo running) {
        int n = running != null ? running.revision() : s.revision();
        return n == 0 ? null : services.revisionRecord(Services.revisionId(s.name(), n));
    }

    /** The revision a rollback goes back to: {@code to}, or by default back from what runs ({@link #previous}); a 404 or 409 that says why not. */
    RevisionInfo rollbackTarget(ServiceRecord s, Integer to) {
        int target = to != null ? to : previous(s);
        RevisionInfo r = services.revisionRecord(Services.revisionId(s.name(), target));
        if (r == null) {
            throw new NotFound("revision", Services.revisionId(s.name(), target) + " (kept: " + services.revisionsOf(s.name()).stream().map(RevisionInfo::number)
                    .toList() + ")");
        }
        return r;
    }

    /** A service being deleted takes no deploy, scale or rollback: its name is free again once it is gone. */
    void refuseWhileDeleting(ServiceRecord s) {
        if (s != null && s.deletingSince() != null) {
            long stopping = services.instancesOf(s.name()).stream().filter(i -> !i.state().terminal()).count();
            throw new Conflict("service " + s.name() + " is being deleted (since " + s.deletingSince() + "); " + dev.steward.api.Units.count(stopping, "instance")
                    + " still stopping. Deploy again once it is gone (its GET answers 404)");
        }
    }

    /** A role has at most {@link dev.steward.allocator.state.StateConfig#maxServicesPerRole} services, those being deleted included. */
    private void roomFor(String name, String role) {
        int bound = state.config().maxServicesPerRole();
        long mine = services.countOf(role);
        if (mine >= bound) {
            throw new Conflict("role '" + role + "' has " + mine + " services, the most a role may have (the allocator's --max-services-per-role is "
                    + bound + "); " + name + " was not made. Delete one first (steward services delete APP --env ENV); one being deleted counts until "
                    + "its instances have stopped");
        }
    }

    private int previous(ServiceRecord s) {
        if (s.stable() != null && s.stable() != s.revision()) {
            return s.stable();
        }
        RevisionInfo current = services.revisionRecord(Services.revisionId(s.name(), s.revision()));
        return services.revisionsOf(s.name()).stream()
                .filter(r -> r.stable() && r.number() != s.revision() && (current == null || !r.spec().equals(current.spec())))
                .max(java.util.Comparator.comparingInt(RevisionInfo::number)).map(RevisionInfo::number)
                .orElseThrow(() -> new dev.steward.allocator.state.Conflict("there is no earlier stable revision of " + s.name()
                        + " to go back to; kept: " + services.revisionsOf(s.name()).stream().map(RevisionInfo::number).toList()
                        + " (name one: steward rollback --revision N, or revision in the body)"));
    }

    /** Stores {@code rev} and starts its deployment (or queues it, by {@code rule}), {@code note} ending its first event; for a deploy, rollback or restart. */
    DeployResult start(ServiceRecord s, RevisionInfo rev, RolloutSpec rollout, int count, DeployRequest.OnConflict rule, String who, Instant now,
                       String note) {
        String name = s.name();
        services.putRevision(rev);
        DeploymentInfo running = s.deployment() == null ? null : services.deploymentRecord(s.deployment());
        boolean queue = running != null && rule == DeployRequest.OnConflict.WAIT;
        DeploymentInfo d = new DeploymentInfo(state.newId(), name, rev.number(), s.revision() == 0 ? null : s.revision(), s.stable(), rollout,
                queue ? DeploymentState.QUEUED : DeploymentState.RUNNING, 0, null, who, now, now, now, null, null, s.active(), null, count, 0, 0, 0, 0, 0,
                List.of(), null, state.nextIndex(), state.nextIndex());
        d = Rollouts.event(d, now, (queue ? "queued behind deployment " + running.id() + ": " : "started: ") + "revision " + rev.number() + " of "
                + name + ", " + dev.steward.api.Units.count(count, "instance") + ", " + rollout.type().name().toLowerCase() + (note == null ? "" : "; " + note));
        RevisionInfo was = s.revision() == 0 ? null : services.revisionRecord(Services.revisionId(name, s.revision()));
        List<dev.steward.api.DeployPlan.FieldChange> changes = was == null ? List.of() : dev.steward.api.RunSpecDiff.between(was.spec(), rev.spec());
        if (!changes.isEmpty()) { // what this rollout changes, kept with it: what a later reader of the deployment (or a build's log) asks first
            d = Rollouts.event(d, now, "revision " + rev.number() + " changes from revision " + was.number() + ": " + dev.steward.api.RunSpecDiff.summary(changes));
        }
        services.putDeployment(d);
        if (queue) {
            List<String> q = new ArrayList<>(s.queued());
            q.add(d.id());
            services.putService(s.with(s.instances(), s.revision(), s.stable(), s.active(), s.deployment(), q, s.replaceNotBefore(), s.failures(), rev.number() + 1,
                    now, state.nextIndex()));
        } else {
            if (running != null) {
                services.putDeployment(Rollouts.event(Rollouts.state(running, DeploymentState.SUPERSEDED, "superseded by deployment " + d.id() + " (revision "
                        + rev.number() + ")", now), now, "superseded by deployment " + d.id()));
            }
            services.putService(s.with(count, rev.number(), s.stable(), s.active(), d.id(), s.queued(), null, 0, rev.number() + 1, now, state.nextIndex()));
        }
        services.trim(name);
        return new DeployResult(services.deploymentRecord(d.id()), rev, false, queue ? "queued: deployment " + running.id() + " runs first"
                : rev.rolledBackTo() != null ? "rolling back to revision " + rev.rolledBackTo() + " as revision " + rev.number() + " (deployment " + d.id() + ")"
                : rev.restartOf() != null ? "restarting revision " + rev.restartOf() + " as revision " + rev.number() + ": " + dev.steward.api.Units.count(count,
                "instance") + " replaced, " + rollout.type().name().toLowerCase(java.util.Locale.ROOT) + " (deployment " + d.id() + ")"
                : "deploying revision " + rev.number() + " (deployment " + d.id() + ")");
    }

    /**
     * A scale with no rollout under way: a rolling deployment of the revision that runs, to the new
     * count, as Nomad makes one for a count change. So the deploy that asked for it follows it to
     * the end like any other (its added instances placed, healthy for minHealthyTime, within the
     * deadlines; extra ones stopped), and an instance that finds no place or never turns healthy
     * fails it with the reason, where before the deploy answered at once with instances still
     * starting. Its rollout is rolling whatever the request's strategy (a canary of the revision
     * that runs would stop it down to its step; blue/green and recreate never stop an extra one); the request's surge, unavailability,
     * health timings, deadlines and rollback setting apply.
     */
    private DeployResult scale(ServiceRecord s, Decision d, String who, Instant now) {
        RolloutSpec rollout = d.rollout().asRolling().validate(d.count());
        int from = s.instances();
        DeploymentInfo last = d.kind() == Kind.RETRY ? unfinished(s) : null;
        DeploymentInfo dep = new DeploymentInfo(state.newId(), s.name(), s.revision(), s.revision(), s.stable(), rollout, DeploymentState.RUNNING, 0, null, who,
                now, now, now, null, null, s.active(), null, d.count(), 0, 0, 0, 0, 0, List.of(), null, state.nextIndex(), state.nextIndex());
        dep = Rollouts.event(dep, now, "started: revision " + s.revision() + " of " + s.name() + (last != null
                ? " again, " + dev.steward.api.Units.count(d.count(), "instance") + ", rolling; its last deployment, " + last.id() + ", " + ended(last)
                : " scaled from " + from + " to " + dev.steward.api.Units.count(d.count(), "instance") + ", rolling"));
        services.putDeployment(dep);
        services.putService(s.with(d.count(), s.revision(), s.stable(), s.active(), dep.id(), s.queued(), null, 0, s.nextRevision(), now, state.nextIndex()));
        services.trim(s.name());
        return new DeployResult(services.deploymentRecord(dep.id()), d.targeted(), false, last != null
                ? "deploying revision " + s.revision() + " again (deployment " + dep.id() + "): its last deployment, " + last.id() + ", " + ended(last)
                : "scaled to " + dev.steward.api.Units.count(d.count(), "instance") + " (from " + from + "); revision " + s.revision() + " unchanged (deployment "
                + dep.id() + ")");
    }

    /** How an unfinished deployment ended, for a sentence: {@code failed} or {@code was aborted}. */
    static String ended(DeploymentInfo d) {
        return d.state() == DeploymentState.ABORTED ? "was aborted" : "failed";
    }

    /** Fills what the deploy leaves out from the package's manifest: ports, health check, resources. */
    static RunSpec withManifestDefaults(RunSpec s, PackageManifest m) {
        if (s.command() == null && (m.command() == null || m.command().isBlank())) { // refused now, not when every instance fails to start
            throw new ValidationException("command", "is required: package " + m.name() + " " + m.version()
                    + " names no command in its manifest; give the deploy one (--command), or package it with --command");
        }
        ResourceAmounts r = m.resources();
        return new RunSpec(s.packageDigest(), s.command(), s.args(), s.cpus() != null ? s.cpus() : r == null ? null : r.cpus(),
                s.memory() != null ? s.memory() : r == null ? null : r.memory(), s.disk() != null ? s.disk() : r == null ? null : r.disk(),
                s.ports() != null ? s.ports() : m.ports(), s.vars(), s.healthCheck() != null ? s.healthCheck() : m.healthCheck(), s.constraints(),
                s.restart(), s.secrets()).validate();
    }
}
