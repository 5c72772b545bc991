package dev.steward.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A process to run inside an allocation: the command and its arguments, environment,
 * working directory (relative to the task's sandbox), health check, restart policy and how
 * long a stop waits between SIGTERM and SIGKILL. The agent adds {@code PORT_<NAME>} for each of
 * the allocation's ports and {@code STEWARD_*} variables. {@code packageDigest} names the
 * package to unpack into the sandbox.
 *
 * <p>{@code secrets} (name → value) are write-only: the agent writes each into a file of its own
 * (mode 0600) in the directory {@code $STEWARD_SECRETS}, never into the environment or onto a
 * command line, and the API shows them to no one but the agent that runs the task: every other
 * reader, admin included, sees {@link #REDACTED} in place of each value ({@link #redacted()}),
 * and the files are mode 0400, of the task's own user.
 *
 * <p>{@code user} (optional) is the system user to run as, which an admin must allow for the
 * task's role ({@link RoleSpec#users}). Without it a task run by a root agent gets a uid of its
 * own, so no task reaches another's files or processes.
 */
public record TaskSpec(String name, String command, List<String> args, Map<String, String> env, String workdir, HealthCheck healthCheck,
                       RestartPolicy restart, String killTimeout, String packageDigest, Map<String, String> secrets, String user) {

    /** What a user name must look like (POSIX portable names, as useradd takes them). */
    public static final String USER_PATTERN = "[a-z_][a-z0-9_-]{0,31}";

    public TaskSpec(String name, String command, List<String> args, Map<String, String> env, String workdir, HealthCheck healthCheck,
                    RestartPolicy restart, String killTimeout, String packageDigest, Map<String, String> secrets) {
        this(name, command, args, env, workdir, healthCheck, restart, killTimeout, packageDigest, secrets, null);
    }

    /** What readers other than the task's agent see in place of a secret's value. */
    public static final String REDACTED = "(redacted)";

    public TaskSpec(String name, String command, List<String> args, Map<String, String> env, String workdir, HealthCheck healthCheck,
                    RestartPolicy restart, String killTimeout, String packageDigest) {
        this(name, command, args, env, workdir, healthCheck, restart, killTimeout, packageDigest, null);
    }

    public static TaskSpec of(String name, String command, String... args) {
        return new TaskSpec(name, command, List.of(args), null, null, null, null, null, null, null, null);
    }

    /** This spec with {@code values} in place of its secrets (the same names: sealed for storage, or opened again). */
    public TaskSpec withSecrets(Map<String, String> values) {
        return new TaskSpec(name, command, args, env, workdir, healthCheck, restart, killTimeout, packageDigest, values, user);
    }

    /** This spec with every secret's value replaced by {@link #REDACTED} (the names stay, so a reader knows which files the task gets). */
    public TaskSpec redacted() {
        if (secrets == null || secrets.isEmpty()) {
            return this;
        }
        Map<String, String> r = new java.util.TreeMap<>();
        secrets.keySet().forEach(k -> r.put(k, REDACTED));
        return new TaskSpec(name, command, args, env, workdir, healthCheck, restart, killTimeout, packageDigest, r, user);
    }

    public Duration killTimeoutDuration() {
        return killTimeout == null ? Duration.ofSeconds(5) : Units.duration("killTimeout", killTimeout);
    }

    public RestartPolicy restartPolicy() {
        return restart == null ? RestartPolicy.DEFAULT : restart;
    }

    /**
     * This spec with the package's defaults filled in: with no command of its own, the task runs
     * the manifest's command through {@code /bin/sh -c} (so {@code $PORT_HTTP} expands); the
     * manifest's environment comes first and the task's overrides it; the manifest's health
     * check applies unless the task names one.
     */
    public TaskSpec withDefaultsFrom(PackageManifest m) {
        String cmd = command;
        List<String> a = args;
        if (cmd == null || cmd.isBlank()) {
            if (m.command() == null) {
                throw new ValidationException("command", "is required: package " + m.name() + " names no command in its manifest");
            }
            cmd = "/bin/sh";
            a = List.of("-c", m.command());
        }
        Map<String, String> e = new java.util.TreeMap<>();
        if (m.env() != null) {
            e.putAll(m.env());
        }
        if (env != null) {
            e.putAll(env);
        }
        return new TaskSpec(name, cmd, a, e.isEmpty() ? null : e, workdir, healthCheck != null ? healthCheck : m.healthCheck(), restart, killTimeout,
                packageDigest, secrets, user);
    }

    /** Checks the spec against the allocation's port names. Absurd values are refused here; a command that does not exist fails on the agent. */
    public TaskSpec validate(List<String> portNames) {
        Validation.name("name", name);
        if (command == null || command.isBlank()) {
            throw new ValidationException("command", "is required");
        }
        if (command.length() > 4096) {
            throw new ValidationException("command", "is above the limit of 4096 characters");
        }
        if (args != null && args.size() > 1024) {
            throw new ValidationException("args", "has " + args.size() + " entries, above the limit of 1024");
        }
        Validation.variables("env", env);
        Validation.secrets("secrets", secrets);
        Duration k = killTimeoutDuration();
        if (k.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new ValidationException("killTimeout", "is " + Units.format(k) + ", above the limit of 10m");
        }
        if (healthCheck != null) {
            try {
                healthCheck.validate(portNames);
            } catch (ValidationException e) {
                throw e.under("healthCheck");
            }
        }
        if (restart != null) {
            try {
                restart.validate();
            } catch (ValidationException e) {
                throw e.under("restart");
            }
        }
        if (user != null && !user.matches(USER_PATTERN)) {
            throw new ValidationException("user", "'" + user + "' is not a user name (lower-case letters, digits, _ and -, at most 32)");
        }
        if (packageDigest != null && !packageDigest.matches("sha256:[0-9a-f]{64}")) {
            throw new ValidationException("packageDigest", "must be sha256: followed by 64 hex digits");
        }
        return this;
    }
}
