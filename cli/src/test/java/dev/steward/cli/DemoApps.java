package dev.steward.cli;

import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.PackageBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The example web app (examples/webapp/app.py) packaged at a version and pushed: what the crash and failover tests roll out. */
final class DemoApps {
    private DemoApps() {
    }

    /** A package "web" VERSION whose command, sh run.sh, sleeps an hour (a port "http" named, none served), built under {@code dir}; returns its file. */
    static Path sleeper(Path dir, String version) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree-" + version));
        Files.writeString(tree.resolve("run.sh"), "sleep 3600 # " + version);
        Path file = dir.resolve("web-" + version + ".tar.zst");
        PackageBuilder.from(tree).manifest(new PackageManifest(null, "web", version, "sh run.sh", null, List.of("http"), null, null, null)).writeTo(file);
        return file;
    }

    /** Packages the app answering "hello from VERSION" under {@code dir}, pushes it, and returns its digest. */
    static String pack(StewardClient c, Path dir, String version) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("src-" + version));
        try (var in = DemoApps.class.getResourceAsStream("/demo/webapp/app.py")) {
            Files.copy(in, tree.resolve("app.py"));
        }
        Files.writeString(tree.resolve("VERSION"), version + "\n");
        Path out = dir.resolve(version + ".tar.zst");
        PackageBuilder.from(tree).manifest(new PackageManifest(null, "webapp", version, "exec python3 app.py", null, List.of("http"),
                new HealthCheck("http", "/healthz", "http", null, "300ms", "250ms", "5s", 2), null, null)).writeTo(out);
        String d = PackageClient.digestOf(out);
        c.packages().push(out, d);
        return d;
    }
}
