package dev.steward.cli;

import dev.steward.api.ArgForms;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.Digests;
import dev.steward.api.ValidationException;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.steps.Instances;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code steward deploy APP --env ENV --package-digest DIGEST|FILE}: deploys and shows the rollout live
 * (each event, and the old/new instance counts as they change); exits 0 when it succeeded or was
 * a no-op, 1 when it failed, rolled back, was superseded or aborted, saying why. The flags are
 * the {@code deploy} step's arguments.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Deploy APP to an environment and follow the rollout. Exit codes: 0 succeeded or nothing to do; 1 failed, rolled back, "
                + "superseded or aborted (the reason is printed); 2 usage.")
final class DeployCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The app", converter = Name.class)
    String app;
    @Option(names = "--env", required = true, description = "The environment: staging, prod, ...", converter = Name.class)
    String env;
    @Option(names = "--package-digest", description = "A package digest (sha256:...) or a package file (uploaded if the allocator lacks it). "
            + "Default: the package and config the service runs, with what the other flags give in their place (with --instances alone: a scale)")
    String pkg;
    @Option(names = "--promote-from", description = "Take exactly what runs (succeeded) in this environment instead of a package",
            converter = Name.class)
    String promoteFrom;
    @Option(names = "--instances", description = "Instances. Default: 1 for a new service, else unchanged")
    Integer instances;
    @Option(names = "--priority", description = "0-1000: the service's instances ask for their allocations at it, and take the room of preemptible "
            + "allocations of a lower priority when nothing else fits. Default: 50 for a new service, else unchanged (changing it alone rolls nothing out)")
    Integer priority;
    @Mixin
    RolloutOptions rollout;
    @Option(names = "--command", description = "Overrides the package's command (run by /bin/sh -c)")
    String command;
    @Option(names = "--cpus", description = "Cpus per instance (default: the package's)")
    String cpus;
    @Option(names = "--memory", description = "Memory per instance (default: the package's)")
    String memory;
    @Option(names = "--disk", description = "Disk per instance")
    String disk;
    @Option(names = "--constraints", description = "Where instances may run: ATTR=VALUE, ATTR!=VALUE, ATTR~REGEX, 'ATTR in A,B', distinct or 'distinct ATTR' (repeatable)")
    List<String> constraints;
    @Option(names = "--restart", description = "When an instance's task exits or fails its health checks: attempts=N, interval=DURATION, "
            + "delay=DURATION, mode=fail|delay, always (any of them; default attempts=2, interval=30m, delay=1s, mode=fail)")
    String restart;
    @Option(names = "--ports", split = ",", description = "Named ports (default: the package's)")
    List<String> ports;
    @Option(names = "--vars", description = "Instance environment variable NAME=VALUE (repeatable)")
    Map<String, String> vars;
    @Option(names = "--secrets", split = ",", description = "Secrets each instance gets as a file in $STEWARD_SECRETS, by name (set each first: "
            + "steward secrets set APP --env ENV NAME); repeatable or comma-separated")
    List<String> secrets;
    @Option(names = "--role", description = "Role (admin token only; a role token deploys for its role)")
    String role;
    @Option(names = "--actor", description = "Who deploys, recorded on the revision")
    String actor;
    @Option(names = "--build-url", description = "The build, recorded on the revision. Default: $BUILD_URL", defaultValue = "${env:BUILD_URL}")
    String buildUrl;
    @Mixin
    FollowOptions following;
    @Option(names = "--dry-run", description = "Say what the deploy would do and change nothing: a new revision, a scale or nothing; the fields "
            + "that change; what becomes of a rollout under way; whether its instances find room now. A package file is not uploaded")
    boolean dryRun;
    @Mixin
    Connection conn;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The request the flags make; a flag whose text form is wrong (--restart, --constraints, --steps) is a usage error naming it. */
    DeployRequest request(String digest) {
        try {
            return requestOf(digest);
        } catch (ValidationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), flagOf(e.field()) + ": " + said(e.field(), e.getMessage()));
        }
    }

    private DeployRequest requestOf(String digest) {
        return new DeployRequest(digest, command, null, instances, priority, cpus, memory, disk, ports, vars, secrets, null, ArgForms.constraints("constraints", constraints),
                ArgForms.restart("restart", restart), rollout.strategy(), rollout.maxSurge, rollout.maxUnavailable, rollout.minReadySeconds, rollout.canary(), rollout.scaleDownDelay,
                rollout.minHealthyTime, rollout.healthyDeadline, rollout.progressDeadline, rollout.autoRollback(), rollout.onConflict, promoteFrom, role, actor,
                buildUrl == null || buildUrl.isBlank() ? null : buildUrl);
    }

    @Override
    public Integer call() throws Exception {
        if (pkg != null && promoteFrom != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --package-digest or --promote-from, not both");
        }
        Duration follow = following.follow(spec);
        StewardClient c = conn.client();
        if (dryRun) {
            return plan(c);
        }
        String digest = pkg == null ? null : digestOf(c, pkg);
        return start(spec, conn, c, app, env, request(digest), following.detach, follow);
    }

    /**
     * Starts a deploy (or a promotion) and follows it for {@code follow}, or with {@code detach}
     * prints its id and returns; a refused field is a usage error naming its flag (exit 2).
     */
    static int start(CommandLine.Model.CommandSpec spec, Connection conn, StewardClient c, String app, String env, DeployRequest req, boolean detach,
                     Duration follow) throws java.io.IOException {
        DeployResult r;
        try {
            r = c.deployments().deploy(app, env, req);
        } catch (dev.steward.client.StewardException e) {
            throw usage(spec, e);
        }
        return started(conn, c, r, detach, follow);
    }

    /** A deployment started (a deploy, promotion or rollback): followed for {@code follow}, or with {@code detach} its id printed. */
    static int started(Connection conn, StewardClient c, DeployResult r, boolean detach, Duration follow) throws java.io.IOException {
        if (detach) {
            if (conn.json()) {
                Output.json(r);
            } else { // the id alone on stdout, for ID=$(steward deploy ... --detach); the words on stderr
                if (r.deployment() != null) { // its own, or the one still rolling out what was asked
                    System.out.println(r.deployment().id());
                }
                System.err.println(r.message() + (r.deployment() == null ? "" : "; follow it with 'steward rollout watch " + r.deployment().id() + "'"));
            }
            return 0;
        }
        return Rollout.follow(c, r, follow, conn.json(), System.out);
    }

    /** Throws a 400 naming a field as a usage error naming its flag; returns any other refusal, for the caller to throw as it is. */
    static dev.steward.client.StewardException usage(CommandLine.Model.CommandSpec spec, dev.steward.client.StewardException e) {
        if (e.status() == 400 && e.problem() != null && e.problem().field() != null && e.problem().detail() != null) {
            String field = e.problem().field();
            throw new CommandLine.ParameterException(spec.commandLine(), flagOf(field) + ": " + said(field, e.problem().detail()));
        }
        return e;
    }

    /** {@code --dry-run}: the allocator's plan, printed; a package file's digest is taken, the file is not uploaded. */
    private int plan(StewardClient c) throws java.io.IOException {
        String digest = pkg == null || Digests.valid(pkg) ? pkg : null;
        if (pkg != null && digest == null) {
            Path f = Path.of(pkg);
            if (!Files.isRegularFile(f)) {
                throw new ValidationException("--package-digest", "'" + pkg + "' is neither a package digest (sha256:...) nor a package file");
            }
            digest = PackageClient.digestOf(f);
        }
        dev.steward.api.DeployPlan p;
        try {
            p = c.deployments().plan(app, env, request(digest));
        } catch (dev.steward.client.StewardException e) {
            if (e.status() == 400) {
                throw usage(spec, e);
            }
            if (e.status() == 409 && digest != null && !digest.equals(pkg) && String.valueOf(e.getMessage()).contains("is not stored")) {
                System.err.println("steward deploy: the allocator does not have " + pkg + " (" + digest + ") yet, and --dry-run uploads nothing; "
                        + "upload it first (steward package --upload), or deploy without --dry-run, which uploads it");
                return 1;
            }
            throw e;
        }
        return print(conn, p);
    }

    /** A plan as {@code --dry-run} prints it (deploy, promote, rollback): its lines, or the plan itself with {@code -o json}; exit 0. */
    static int print(Connection conn, dev.steward.api.DeployPlan p) throws java.io.IOException {
        if (conn.json()) {
            Output.json(p);
        } else {
            dev.steward.steps.DeployPlanRun.lines(p).forEach(System.out::println);
        }
        return 0;
    }

    /** A digest as given, or the digest of a package file, uploaded first unless stored. */
    static String digestOf(StewardClient c, String pkg) throws java.io.IOException {
        if (Digests.valid(pkg)) {
            return pkg;
        }
        Path f = Path.of(pkg);
        if (!Files.isRegularFile(f)) {
            throw new ValidationException("--package-digest", "'" + pkg + "' is neither a package digest (sha256:...) nor a package file");
        }
        String d = PackageClient.digestOf(f);
        c.packages().push(f, d);
        return d;
    }

    /**
     * A refusal's words after its flag, the flag's own field said once: {@code --vars: X: ...}
     * for {@code vars.X: ...}, {@code --memory: is ...} for {@code memory: is ...}; an indexed
     * field keeps its index ({@code --steps: steps[1].weight: ...}).
     */
    static String said(String field, String message) {
        String top = field.split("[\\[.]")[0];
        if (message.startsWith(top + ": ")) {
            return message.substring(top.length() + 2);
        }
        return message.startsWith(top + ".") ? message.substring(top.length() + 1) : message;
    }

    /** The flag a request field comes from: {@code steps[1].weight} is {@code --steps}; every flag is its field in kebab case. */
    static String flagOf(String field) {
        return "--" + kebab(field.split("[\\[.]")[0]);
    }

    static String kebab(String field) {
        return field.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
