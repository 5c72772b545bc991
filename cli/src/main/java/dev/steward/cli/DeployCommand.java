package dev.steward.cli;

import dev.steward.api.ArgForms;
import dev.steward.api.CanaryStep;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.Digests;
import dev.steward.api.Units;
import dev.steward.api.ValidationException;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
    @Option(names = "--package-digest", description = "A package digest (sha256:...) or a package file (uploaded if the allocator lacks it)")
    String pkg;
    @Option(names = "--promote-from", description = "Take exactly what runs (succeeded) in this environment instead of a package",
            converter = Name.class)
    String promoteFrom;
    @Option(names = "--instances", description = "Instances. Default: 1 for a new service, else unchanged")
    Integer instances;
    @Option(names = "--strategy", description = "rolling (default), canary, bluegreen, recreate")
    String strategy;
    @Option(names = "--max-surge", description = "Rolling: extra instances allowed, count or %%. Default: 25%%")
    String maxSurge;
    @Option(names = "--max-unavailable", description = "Rolling: instances that may be unavailable, count or %%. Default: 25%%")
    String maxUnavailable;
    @Option(names = "--min-ready-seconds", description = "Rolling: seconds an instance must be ready to count")
    Integer minReadySeconds;
    @Option(names = "--steps", description = "Canary step WEIGHT[:PAUSE[:GATES]], e.g. 20%%:1m, 50%%:promote, '10%%:5m:error-rate < 1%%; p99 < 300ms' (repeatable)")
    List<String> steps;
    @Option(names = "--scale-down-delay", description = "Blue/green: how long the old set stays after the switch. Default: 30s")
    String scaleDownDelay;
    @Option(names = "--min-healthy-time", description = "How long the health check must pass before an instance counts. Default: 10s")
    String minHealthyTime;
    @Option(names = "--healthy-deadline", description = "How long an instance has to become healthy. Default: 5m")
    String healthyDeadline;
    @Option(names = "--progress-deadline", description = "Fail when nothing becomes available for this long. Default: 10m")
    String progressDeadline;
    @Option(names = "--auto-rollback", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "On failure, return to the stable revision (default); --no-auto-rollback stays")
    boolean autoRollback = true;
    @Option(names = "--on-conflict", description = "When a deployment runs already: supersede (default) or wait")
    String onConflict;
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
    @Option(names = "--timeout", description = "How long to follow the rollout. Default: 30m", defaultValue = "30m")
    String timeout;
    @Option(names = "--dry-run", description = "Say what the deploy would do and change nothing: a new revision, a scale or nothing; the fields "
            + "that change; what becomes of a rollout under way; whether its instances find room now. A package file is not uploaded")
    boolean dryRun;
    @Option(names = "--detach", description = "Start the deployment, print its id and exit without following it")
    boolean detach;
    @Mixin
    Connection conn;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    DeployRequest request(String digest) {
        List<CanaryStep> canary = null;
        if (steps != null) {
            canary = new ArrayList<>();
            for (String s : steps) {
                canary.add(CanaryStep.parse(s));
            }
        }
        String strat = strategy == null && canary != null ? "canary" : strategy;
        return new DeployRequest(digest, command, null, instances, cpus, memory, disk, ports, vars, secrets, null, ArgForms.constraints("constraints", constraints), null, strat, maxSurge, maxUnavailable,
                minReadySeconds, canary, scaleDownDelay, minHealthyTime, healthyDeadline, progressDeadline, autoRollback ? null : Boolean.FALSE,
                onConflict, promoteFrom, role, actor, buildUrl == null || buildUrl.isBlank() ? null : buildUrl);
    }

    @Override
    public Integer call() throws Exception {
        if ((pkg == null) == (promoteFrom == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --package-digest or --promote-from");
        }
        Duration follow;
        try {
            follow = Units.duration("--timeout", timeout);
        } catch (ValidationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        StewardClient c = conn.client();
        if (dryRun) {
            return plan(c);
        }
        String digest = pkg == null ? null : digestOf(c, pkg);
        DeployResult r;
        try {
            r = c.deployments().deploy(app, env, request(digest));
        } catch (dev.steward.client.StewardException e) {
            if (e.status() == 400 && e.problem() != null && e.problem().field() != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), flagOf(e.problem().field()) + ": " + e.getMessage());
            }
            throw e;
        }
        if (detach) {
            if (conn.json()) {
                Output.json(r);
            } else { // the id alone on stdout, for ID=$(steward deploy ... --detach); the words on stderr
                if (r.deployment() != null && !r.noop()) {
                    System.out.println(r.deployment().id());
                }
                System.err.println(r.message() + (r.deployment() == null || r.noop() ? ""
                        : "; follow it with 'steward rollout watch " + r.deployment().id() + "'"));
            }
            return 0;
        }
        return Rollout.follow(c, r, follow, conn.json(), System.out);
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
            if (e.status() == 400 && e.problem() != null && e.problem().field() != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), flagOf(e.problem().field()) + ": " + e.getMessage());
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

    /** The flag a request field comes from: {@code steps[1].weight} is {@code --steps}; every flag is its field in kebab case. */
    static String flagOf(String field) {
        return "--" + kebab(field.split("[\\[.]")[0]);
    }

    static String kebab(String field) {
        return field.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
