package dev.steward.api;

import java.util.List;
import java.util.Map;

/**
 * What a service runs, per instance: the package, an optional command override (otherwise the
 * manifest's), resources, named ports, variables, health check, constraints and restart
 * policy. Two equal run specs run the same thing; that is how a deploy knows it is a no-op.
 */
public record RunSpec(String packageDigest, String command, List<String> args, String cpus, String memory, String disk, List<String> ports,
                      Map<String, String> vars, HealthCheck healthCheck, List<Constraint> constraints, RestartPolicy restart) {

    /** Checks every field; returns a normal form (sorted variables, defaults for empty lists). */
    public RunSpec validate() {
        Digests.check("packageDigest", packageDigest);
        if (command != null && (command.isBlank() || command.length() > 4096)) {
            throw new ValidationException("command", "must be 1 to 4096 characters; leave it out to run the package's own command");
        }
        new ResourceAmounts(cpus, memory, disk, null, null).parse(Resources.ZERO);
        List<String> p = Validation.portNames(ports);
        Map<String, String> v = Validation.variables("vars", vars);
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
                : List.copyOf(constraints), restart);
    }

    /** The allocation one instance asks for. */
    public AllocateRequest allocation(String role, String name) {
        return new AllocateRequest(role, name, 1, cpus, memory, disk, null, null, ports, null, constraints, null, null, false, null, "30d");
    }

    /** The task one instance runs in its allocation. */
    public TaskSpec task(String name) {
        return new TaskSpec(name, command == null ? null : "/bin/sh", command == null ? null : List.of("-c", command), vars, null, healthCheck,
                restart, null, packageDigest);
    }
}
