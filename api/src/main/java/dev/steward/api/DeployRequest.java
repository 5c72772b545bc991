package dev.steward.api;

import java.util.List;
import java.util.Map;

/**
 * A deploy of app × env: the {@code deploy} step's arguments, the {@code steward deploy} flags
 * and the body of {@code PUT /v1/services/APP/ENV}. What runs ({@link RunSpec}: package,
 * command, instances' resources, ports, variables, health check, constraints, restart policy)
 * and how to roll it out ({@link RolloutSpec}: strategy and its knobs, deadlines, rollback).
 * {@code vars} are the instances' environment variables ({@code env} names the environment).
 * {@code secrets} names the service's secrets (set beforehand for APP/ENV with
 * {@code PUT /v1/services/APP/ENV/secrets/NAME}) each instance gets as a file in
 * {@code $STEWARD_SECRETS}; the request never carries a value.
 * With {@code promoteFrom}, the run spec is copied exactly from that environment's stable
 * revision and only {@code instances} and {@code priority} may differ. {@code priority} (0 to 1000) is the
 * service's, not a revision's: its instances ask for their allocations at it, so they preempt
 * preemptible allocations of a lower priority when nothing else fits (a build farm's borrowed
 * executors); left out, a service keeps its own (50 for a new one, an allocation's default).
 * {@code onConflict} says what happens when a
 * deployment of the service is already running: {@code supersede} (default: it ends
 * "superseded" and this one starts from where it left) or {@code wait} (this one queues).
 */
public record DeployRequest(
        String packageDigest,
        String command,
        List<String> args,
        Integer instances,
        Integer priority,
        String cpus,
        String memory,
        String disk,
        List<String> ports,
        Map<String, String> vars,
        List<String> secrets,
        HealthCheck healthCheck,
        List<Constraint> constraints,
        RestartPolicy restart,
        String strategy,
        String maxSurge,
        String maxUnavailable,
        Integer minReadySeconds,
        List<CanaryStep> steps,
        String scaleDownDelay,
        String minHealthyTime,
        String healthyDeadline,
        String progressDeadline,
        Boolean autoRollback,
        String onConflict,
        String promoteFrom,
        String role,
        String actor,
        String buildUrl) {

    public enum OnConflict { SUPERSEDE, WAIT }

    /** A deploy without a priority of its own: the service keeps the one it has. */
    public DeployRequest(String packageDigest, String command, List<String> args, Integer instances, String cpus, String memory, String disk,
                         List<String> ports, Map<String, String> vars, List<String> secrets, HealthCheck healthCheck, List<Constraint> constraints,
                         RestartPolicy restart, String strategy, String maxSurge, String maxUnavailable, Integer minReadySeconds, List<CanaryStep> steps,
                         String scaleDownDelay, String minHealthyTime, String healthyDeadline, String progressDeadline, Boolean autoRollback,
                         String onConflict, String promoteFrom, String role, String actor, String buildUrl) {
        this(packageDigest, command, args, instances, null, cpus, memory, disk, ports, vars, secrets, healthCheck, constraints, restart, strategy, maxSurge,
                maxUnavailable, minReadySeconds, steps, scaleDownDelay, minHealthyTime, healthyDeadline, progressDeadline, autoRollback, onConflict,
                promoteFrom, role, actor, buildUrl);
    }

    /** A deploy of a package with everything else defaulted. */
    public static DeployRequest of(String digest, int instances, String strategy) {
        return new DeployRequest(digest, null, null, instances, null, null, null, null, null, null, null, null, null, strategy, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null);
    }

    public OnConflict conflictRule() {
        if (onConflict == null) {
            return OnConflict.SUPERSEDE;
        }
        return switch (onConflict.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "supersede" -> OnConflict.SUPERSEDE;
            case "wait", "queue" -> OnConflict.WAIT;
            default -> throw new ValidationException("onConflict", "'" + onConflict + "' is not supersede or wait");
        };
    }

    /** The service's priority after this deploy: the one asked for, checked (0 to 1000), else {@code current}. */
    public int priorityOr(int current) {
        return Validation.range("priority", priority, 0, Limits.MAX_PRIORITY, current);
    }

    public int instanceCount() {
        return Validation.range("instances", instances, 0, 1000, 1);
    }

    /** At most this many characters in {@code actor}: who deployed, as a pipeline names them. */
    public static final int MAX_ACTOR = 256;
    /** At most this many characters in {@code buildUrl}, as in a package's provenance. */
    public static final int MAX_BUILD_URL = 2048;

    /** Checks {@code actor} and {@code buildUrl}, which a revision keeps and its history shows: one line of plain text each, bounded. */
    public void checkLabels() {
        ControlChars.label("actor", actor, MAX_ACTOR);
        ControlChars.label("buildUrl", buildUrl, MAX_BUILD_URL);
    }

    /** What runs; validated. */
    public RunSpec runSpec() {
        return new RunSpec(packageDigest, command, args, cpus, memory, disk, ports, vars, healthCheck, constraints, restart, secretNames()).validate();
    }

    /**
     * What runs when the request names no package: {@code base} (the revision the service runs
     * now), with each field this request gives in its place; validated. With only
     * {@code instances} given it is {@code base} itself, so the deploy is a scale (as
     * {@code kubectl scale} or {@code nomad job scale}); with {@code memory} given, a new revision of
     * the same package with more memory.
     */
    public RunSpec runSpecOver(RunSpec base) {
        Map<String, Integer> named = secretNames();
        return new RunSpec(base.packageDigest(), command != null ? command : base.command(), args != null ? args : base.args(),
                cpus != null ? cpus : base.cpus(), memory != null ? memory : base.memory(), disk != null ? disk : base.disk(),
                ports != null ? ports : base.ports(), vars != null ? vars : base.vars(), healthCheck != null ? healthCheck : base.healthCheck(),
                constraints != null ? constraints : base.constraints(), restart != null ? restart : base.restart(),
                named != null ? named : base.secrets()).validate();
    }

    /** The secrets named, each at version 0 (the allocator looks the versions up); null for none. */
    private Map<String, Integer> secretNames() {
        if (secrets == null || secrets.isEmpty()) {
            return null;
        }
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (int i = 0; i < secrets.size(); i++) {
            String n = Validation.secretName("secrets[" + i + "]", secrets.get(i));
            if (out.put(n, 0) != null) {
                throw new ValidationException("secrets[" + i + "]", "names '" + n + "' a second time");
            }
        }
        return out;
    }

    /** How to roll out; validated against the instance count. */
    public RolloutSpec rollout() {
        return new RolloutSpec(strategy, maxSurge, maxUnavailable, minReadySeconds, steps, scaleDownDelay, minHealthyTime, healthyDeadline,
                progressDeadline, autoRollback).validate(instanceCount());
    }
}
