package dev.steward.steps;

import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.api.Provenance;
import dev.steward.api.ResourceAmounts;
import dev.steward.client.StewardClient;
import dev.steward.pkg.BuildEnvironment;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The {@code packageApp} step, run where the workspace is (on a Jenkins agent, through
 * {@code FilePath.act}): package the workspace's files with the step's globs and manifest,
 * provenance from the build (URL, job, number, GIT_COMMIT, the build's start time), and upload
 * unless the allocator has the digest. Arguments are serializable for that trip.
 */
public final class PackageRun {
    private PackageRun() {
    }

    /** The step's arguments, named as the CLI's flags. */
    public record Args(String name, String version, String include, String exclude, boolean defaultExcludes, String command, Map<String, String> env,
                       List<String> ports, String healthHttp, boolean healthTcp, String healthPort, String healthInterval, String cpus, String memory,
                       String disk, String out)
            implements Serializable {
    }

    /** What the step returns: the digest, the file, its size, and whether its bytes were sent. */
    public record Result(String digest, String file, long size, int files, boolean uploaded) implements Serializable {
    }

    /**
     * The health check the flags describe: GET {@code healthHttp}, or a TCP connect with
     * {@code healthTcp}, on {@code healthPort} (default: the first port); null for none.
     */
    public static HealthCheck healthCheck(String healthHttp, boolean healthTcp, String healthPort, String healthInterval, List<String> ports) {
        if (healthHttp != null && healthTcp) {
            throw new dev.steward.api.ValidationException("healthHttp", "and healthTcp cannot both be given");
        }
        if (healthHttp == null && !healthTcp) {
            return null;
        }
        String port = healthPort != null ? healthPort : ports == null || ports.isEmpty() ? null : ports.get(0);
        if (port == null) { // before: "'null' is not one of the allocation's ports []", naming a field that was not given
            throw new dev.steward.api.ValidationException("ports", "are none, and the " + (healthTcp ? "TCP" : "HTTP")
                    + " health check needs one to check: name the app's ports (the check uses the first, or healthPort)");
        }
        return new HealthCheck(healthTcp ? "tcp" : "http", healthHttp, port, null, healthInterval, null, null, null);
    }

    public static Result run(Path workspace, Args a, Map<String, String> buildEnv, Instant buildStarted, String createdBy, StewardClient client,
                             StepListener listener) throws IOException {
        HealthCheck hc = healthCheck(a.healthHttp(), a.healthTcp(), a.healthPort(), a.healthInterval(), a.ports());
        ResourceAmounts res = a.cpus() == null && a.memory() == null && a.disk() == null ? null : new ResourceAmounts(a.cpus(), a.memory(), a.disk(), null, null);
        Provenance p = BuildEnvironment.provenance(buildEnv, new Provenance(null, null, null, null, createdBy,
                buildStarted == null ? null : buildStarted.toString()));
        PackageManifest m = new PackageManifest(null, a.name(), a.version(), a.command(), a.env(), a.ports(), hc, res, p);
        Path out = workspace.resolve(a.out() != null ? a.out() : a.name() + (a.version() == null ? "" : "-" + a.version()) + ".tar.zst");
        PackageBuilder b = PackageBuilder.from(workspace).include(a.include()).exclude(a.exclude()).defaultExcludes(a.defaultExcludes()).manifest(m);
        String rel = workspace.relativize(out.toAbsolutePath().normalize()).toString();
        b.exclude(rel + ", " + rel + ".part");
        BuiltPackage built = b.writeTo(out);
        listener.line("steward: packaged " + a.name() + (a.version() == null ? "" : " " + a.version()) + ": " + built.files() + " files, "
                + built.expandedBytes() + " bytes -> " + out.getFileName() + " (" + built.size() + " bytes), " + built.digest());
        boolean uploaded = client.packages().push(out, built.digest()).uploaded();
        listener.line(uploaded ? "steward: uploaded " + built.digest() : "steward: the allocator already has " + built.digest() + " (upload skipped)");
        return new Result(built.digest(), out.toString(), built.size(), built.files(), uploaded);
    }
}
