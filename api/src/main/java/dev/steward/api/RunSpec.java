package dev.steward.api;

import java.util.List;
import java.util.Map;

/**
 * What a service runs, per instance: the package, an optional command override (otherwise the
 * manifest's), resources, named ports, variables, secrets, health check, constraints and restart
 * policy. Two equal run specs run the same thing; that is how a deploy knows it is a no-op.
 *
 * <p>{@code secrets} names the service's secrets each instance gets as a file in
 * {@code $STEWARD_SECRETS}, each with the version the revision was made with (0 in a deploy's
 * request, before the allocator has looked them up). The values are never here: they are kept
 * by the allocator for the service's environment ({@code PUT /v1/services/APP/ENV/secrets/NAME})
 * and read when an instance starts. A secret set again gets a new version, so the same deploy
 * after it is a new revision, which rolls the new value out.
 */
public record RunSpec(String packageDigest, String command, List<String> args, String cpus, String memory, String disk, List<String> ports,
                      Map<String, String> vars, HealthCheck healthCheck, List<Constraint> constraints, RestartPolicy restart,
                      Map<String, Integer> secrets) {

    public RunSpec(String packageDigest, String command, List<String> args, String cpus, String memory, String disk, List<String> ports,
                   Map<String, String> vars, HealthCheck healthCheck, List<Constraint> constraints, RestartPolicy restart) {
        this(packageDigest, command, args, cpus, memory, disk, ports, vars, healthCheck, constraints, restart, null);
    }

    /** Checks every field; returns a normal form (sorted variables, defaults for empty lists). */
    public RunSpec validate() {
        Digests.check("packageDigest", packageDigest);
        if (command != null && (command.isBlank() || command.length() > 4096)) {
            throw new ValidationException("command", "must be 1 to 4096 characters; leave it out to run the package's own command");
        }
        new ResourceAmounts(cpus, memory, disk, null, null).parse(Resources.ZERO);
        List<String> p = Validation.portNames(ports);
        Map<String, String> v = Validation.variables("vars", vars);
        Map<String, Integer> sv = Validation.secretVersions("secrets", secrets);
        if (healthCheck != null) {
            try {
                healthCheck.validate(p);
            } catch (ValidationException e) {
                throw e.under("healthCheck");
            }
        }
        if (constraints != null) {
            for (int i = 0; i < constraints.size(); i++) {
                try {
                    constraints.get(i).validate();
                } catch (ValidationException e) {
                    throw e.under("constraints[" + i + "]");
                }
            }
        }
        if (restart != null) {
            try {
                restart.validate();
            } catch (ValidationException e) {
                throw e.under("restart");
            }
        }
        return new RunSpec(packageDigest, command, args == null || args.isEmpty() ? null : List.copyOf(args), cpus, memory, disk,
                p.isEmpty() ? null : List.copyOf(p), v.isEmpty() ? null : v, healthCheck, constraints == null || constraints.isEmpty() ? null
                : List.copyOf(constraints), restart, sv.isEmpty() ? null : sv);
    }

    /** This spec with each secret at the version given (the names stay; a name missing from {@code versions} keeps its own). */
    public RunSpec withSecretVersions(Map<String, Integer> versions) {
        if (secrets == null || secrets.isEmpty()) {
            return this;
        }
        Map<String, Integer> v = new java.util.TreeMap<>();
        secrets.forEach((k, n) -> v.put(k, versions.getOrDefault(k, n)));
        return new RunSpec(packageDigest, command, args, cpus, memory, disk, ports, vars, healthCheck, constraints, restart, v);
    }

    /** The allocation one instance asks for. */
    public AllocateRequest allocation(String role, String name) {
        return allocation(role, name, null);
    }

    /** One instance's allocation, asked for at {@code priority} (its service's; null: the default). */
    public AllocateRequest allocation(String role, String name, Integer priority) {
        return new AllocateRequest(role, name, 1, cpus, memory, disk, null, null, ports, null, constraints, null, priority, false, null, "30d");
    }

    /** The task one instance runs in its allocation, with {@code secretValues} (name → value) for its secrets' files. */
    public TaskSpec task(String name, Map<String, String> secretValues) {
        return new TaskSpec(name, command == null ? null : "/bin/sh", command == null ? null : List.of("-c", command), vars, null, healthCheck,
                restart, null, packageDigest, secretValues == null || secretValues.isEmpty() ? null : Map.copyOf(secretValues));
    }

    /** The task one instance runs in its allocation, without secrets. */
    public TaskSpec task(String name) {
        return task(name, null);
    }
}
