package dev.steward.agent;

import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.PackageBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Packages of the example app (examples/webapp) in a given version, uploaded to a test cluster. */
final class Apps {
    static final Path WEBAPP = locate();

    private Apps() {
    }

    private static Path locate() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("examples/webapp/app.py"))) {
                return p.resolve("examples/webapp");
            }
        }
        throw new IllegalStateException("examples/webapp/app.py not found above " + Path.of("").toAbsolutePath());
    }

    /** The example app as {@code version}; {@code env} goes into its manifest (e.g. UNHEALTHY=1). Returns the digest, uploaded. */
    static String webapp(StewardClient client, Path work, String version, Map<String, String> env) throws IOException {
        Path tree = Files.createDirectories(work.resolve("webapp-" + version));
        Files.copy(WEBAPP.resolve("app.py"), tree.resolve("app.py"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(tree.resolve("VERSION"), version + "\n");
        Path out = work.resolve("webapp-" + version + ".tar.zst");
        PackageBuilder.from(tree).include("app.py, VERSION").manifest(new PackageManifest(null, "webapp", version, "exec python3 app.py",
                env.isEmpty() ? null : env, List.of("http"), new HealthCheck("http", "/healthz", "http", null, "300ms", "250ms", "5s", 2),
                new dev.steward.api.ResourceAmounts("0.25", "64m", null, null, null), null))
                .writeTo(out);
        String digest = PackageClient.digestOf(out);
        client.packages().push(out, digest);
        return digest;
    }
}
