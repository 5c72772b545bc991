package dev.steward.cli;

import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.api.Provenance;
import dev.steward.api.ResourceAmounts;
import dev.steward.api.ValidationException;
import dev.steward.client.PackageClient;
import dev.steward.pkg.BuildEnvironment;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import dev.steward.pkg.PackageFormat;
import dev.steward.pkg.TreeEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code steward package}: builds a package from a directory (the {@code packageApp} step's
 * arguments as flags), optionally uploads it, and prints its digest on stdout (details on
 * stderr), or everything as JSON with {@code --output json}.
 */
@Command(name = "package", sortOptions = false,
        description = {"Build a deterministic package from a directory and print its digest; --upload stores it on the allocator.",
                "Provenance defaults to the build's environment (BUILD_URL, JOB_NAME, BUILD_NUMBER, GIT_COMMIT, SOURCE_DATE_EPOCH)."})
final class PackageCommand implements Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit")
    boolean help;
    @Option(names = "--dir", description = "Base directory (or DIR). Default: the current directory", defaultValue = ".")
    Path dir;
    /** DIR, the same as --dir ({@code steward package build/app}, as {@code docker build .}): set by {@link #baseDirectory}. */
    private Path positionalDir;

    /** The base directory given as the one positional argument: an alias of {@code --dir}, not an argument of its own. */
    @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Base directory, as --dir")
    void baseDirectory(Path p) {
        positionalDir = p;
    }
    @Option(names = "--include", description = "Files to package, Ant patterns as in archiveArtifacts: 'build/libs/*.jar, config/**'. Default: **")
    String include;
    @Option(names = "--exclude", description = "Files to leave out, Ant patterns")
    String exclude;
    @Option(names = "--default-excludes", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Leave out .git, .svn, editor backups and the like (default); --no-default-excludes packages them too")
    boolean defaultExcludes = true;
    @Option(names = "--name", required = true, description = "App name")
    String name;
    @Option(names = "--version", description = "App version (a name: letters, digits, '.', '_', '-')")
    String version;
    @Option(names = "--command", description = "Start command, run by /bin/sh -c in the unpacked tree: 'exec java -jar web.jar --port=$PORT_HTTP'")
    String command;
    @Option(names = "--env", description = "Environment, NAME=VALUE (repeatable)")
    Map<String, String> env;
    @Option(names = "--ports", split = ",", description = "Named ports the app listens on (repeatable or comma-separated)")
    List<String> ports;
    @Option(names = "--health-http", description = "Health check: GET this path on --health-port")
    String healthHttp;
    @Option(names = "--health-tcp", description = "Health check: connect to --health-port")
    boolean healthTcp;
    @Option(names = "--health-port", description = "Port the health check uses. Default: the first --port")
    String healthPort;
    @Option(names = "--health-interval", description = "Default: 10s")
    String healthInterval;
    @Option(names = "--cpus", description = "Default cpus")
    String cpus;
    @Option(names = "--memory", description = "Default memory")
    String memory;
    @Option(names = "--disk", description = "Default disk")
    String disk;
    @Option(names = "--build-url", description = "Provenance (default $BUILD_URL)")
    String buildUrl;
    @Option(names = "--job", description = "Provenance (default $JOB_NAME)")
    String job;
    @Option(names = "--build-number", description = "Provenance (default $BUILD_NUMBER)")
    String buildNumber;
    @Option(names = "--git-commit", description = "Provenance (default $GIT_COMMIT)")
    String gitCommit;
    @Option(names = "--created-by", description = "Provenance: who or what built it")
    String createdBy;
    @Option(names = "--built-at", description = "Provenance: when the build ran, ISO-8601 (default from $SOURCE_DATE_EPOCH; never the clock)")
    String builtAt;
    @Option(names = "--out", description = "Package file. Default: build/steward/NAME[-VERSION].tar.zst under the current directory")
    Path out;
    @Option(names = "--upload", description = "Upload to the allocator (skipped when it already stores the digest)")
    boolean upload;
    @Option(names = "--dry-run", description = "List what would be packaged; write nothing")
    boolean dryRun;
    @Mixin
    Connection conn;
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The flag that sets a manifest or builder field, for error messages. */
    static String flagFor(String field) {
        String f = field == null ? "" : field.replaceFirst("^manifest\\.", "");
        if (f.startsWith("env.")) {
            return "--env " + f.substring(4);
        }
        if (f.equals("ports") || f.startsWith("ports[")) {
            return "--ports";
        }
        return switch (f) {
            case "healthCheck.port" -> "--health-port";
            case "healthCheck.path" -> "--health-http";
            case "healthCheck.interval" -> "--health-interval";
            case "healthHttp" -> "--health-http";
            case "resources.cpus" -> "--cpus";
            case "resources.memory" -> "--memory";
            case "resources.disk" -> "--disk";
            case "provenance.buildUrl" -> "--build-url";
            case "provenance.job" -> "--job";
            case "provenance.buildNumber" -> "--build-number";
            case "provenance.gitCommit" -> "--git-commit";
            case "provenance.createdBy" -> "--created-by";
            case "provenance.builtAt" -> "--built-at";
            case "dir" -> "--dir";
            default -> f.startsWith("--") || f.equals("SOURCE_DATE_EPOCH") ? f : "--" + f;
        };
    }

    /** The manifest the flags describe, with provenance from {@code environment} where no flag gives it. */
    PackageManifest manifest(Map<String, String> environment) {
        HealthCheck hc = dev.steward.steps.PackageRun.healthCheck(healthHttp, healthTcp, healthPort, healthInterval, ports);
        ResourceAmounts res = cpus == null && memory == null && disk == null ? null : new ResourceAmounts(cpus, memory, disk, null, null);
        Provenance prov = BuildEnvironment.provenance(environment, new Provenance(buildUrl, job, buildNumber, gitCommit, createdBy, builtAt));
        boolean none = prov.equals(Provenance.NONE);
        return new PackageManifest(null, name, version, command, env == null ? null : new TreeMap<>(env), ports, hc, res, none ? null : prov);
    }

    @Override
    public Integer call() throws Exception {
        try {
            return run();
        } catch (ValidationException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), flagFor(e.field()) + ": " + e.reason());
        }
    }

    private Integer run() throws Exception {
        if (positionalDir != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--dir") && !positionalDir.equals(dir)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "DIR " + positionalDir + " and --dir " + dir
                        + " name two directories; give one");
            }
            dir = positionalDir;
        }
        PackageManifest m = manifest(System.getenv()).validateNew();
        Path file = (out != null ? out : Path.of("build", "steward", name + (version == null ? "" : "-" + version) + PackageFormat.FILE_SUFFIX))
                .toAbsolutePath().normalize();
        java.nio.file.Files.createDirectories(file.getParent());
        Path base = dir.toAbsolutePath().normalize();
        PackageBuilder b = PackageBuilder.from(base).include(include).exclude(exclude).defaultExcludes(defaultExcludes).manifest(m);
        if (file.startsWith(base)) {
            String rel = base.relativize(file).toString();
            b.exclude(rel + ", " + rel + ".part"); // never package the package
        }
        if (dryRun) {
            List<TreeEntry> entries = b.entries();
            if (conn.json()) {
                Output.json(Map.of("manifest", m.validate(), "entries", entries.stream().map(TreeEntry::path).toList()));
            } else {
                entries.forEach(e -> System.out.println(e.path() + (e.kind() == TreeEntry.Kind.DIRECTORY ? "/" : "")
                        + (e.kind() == TreeEntry.Kind.SYMLINK ? " -> " + e.linkTarget() : "")));
            }
            return 0;
        }
        BuiltPackage p = b.writeTo(file);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("digest", p.digest());
        result.put("file", file.toString());
        result.put("size", p.size());
        result.put("files", p.files());
        result.put("expandedBytes", p.expandedBytes());
        result.put("manifest", p.manifest());
        if (!conn.json()) {
            System.err.printf("packaged %s%s: %d files, %s expanded -> %s (%s)%n", name, version == null ? "" : " " + version, p.files(),
                    bytes(p.expandedBytes()), file, bytes(p.size()));
        }
        if (upload) {
            PackageClient.Pushed pushed = conn.client().packages().push(file, p.digest());
            result.put("uploaded", pushed.uploaded());
            result.put("stored", conn.address());
            if (!conn.json()) {
                System.err.println(pushed.uploaded() ? "uploaded to " + conn.address()
                        : "already stored on " + conn.address() + " (upload skipped)");
            }
        }
        if (conn.json()) {
            Output.json(result);
        } else {
            System.out.println(p.digest());
        }
        return 0;
    }

    static String bytes(long n) {
        return dev.steward.api.Units.formatBytes(n);
    }
}
