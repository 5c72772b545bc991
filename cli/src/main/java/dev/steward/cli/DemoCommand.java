package dev.steward.cli;

import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.Endpoint;
import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code steward demo}: the main job on the embedded default. Starts an allocator and a local
 * agent, packages the example app (bundled in the jar) as v1 and v2, deploys v1 with 3
 * instances, rolls out v2, and shows what each instance answers and the history.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Package the example app, deploy it on the embedded default, roll out a new version, show the result.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Data directory. Default: a new temporary one")
    Path data;
    @Option(names = "--keep", description = "Keep running afterwards (like 'steward dev'), so you can look around")
    boolean keep;
    @picocli.CommandLine.Mixin
    DevPorts ports;
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String lent = ports.checked(spec);
        if (!Files.isExecutable(Path.of("/usr/bin/python3")) && !Files.isExecutable(Path.of("/bin/python3"))) {
            System.err.println("steward demo: the example app needs python3 (apt-get install python3)");
            return 1;
        }
        Path dir = data != null ? data.toAbsolutePath() : Files.createTempDirectory("steward-demo");
        long t0 = System.nanoTime();
        Logs.quiet(java.util.logging.Level.WARNING, "dev.steward"); // the demo says what happens itself; warnings still show
        Embedded e = Embedded.start(dir, 0, lent);
        try {
            StewardClient c = StewardClient.builder(e.server.url()).token(e.server.adminToken()).build();
            System.out.printf("== embedded default up in %.1f s: allocator %s, agent %s; data %s%n", (System.nanoTime() - t0) / 1e9, e.server.url(),
                    e.agent.id(), dir);
            String v1 = pack(c, dir, "v1");
            String v2 = pack(c, dir, "v2");
            System.out.println("\n== deploy webapp v1 to staging, 3 instances");
            int rc = deploy(c, v1, 3, "rolling");
            show(c);
            if (rc == 0) {
                System.out.println("\n== roll out v2 (rolling: at most 1 extra, none unavailable)");
                rc = deploy(c, v2, 3, "rolling");
                show(c);
            }
            System.out.println("\n== history");
            HistoryCommand h = new HistoryCommand();
            h.app = "webapp";
            h.env = "staging";
            h.conn = new Connection();
            h.conn.addr = e.server.url();
            h.conn.token = e.server.adminToken();
            h.conn.output = "text";
            h.call();
            if (keep) {
                System.out.println("\nstill running (Ctrl-C to stop):\n  export STEWARD_ADDR=" + e.server.url() + "\n  export STEWARD_TOKEN="
                        + e.server.adminToken() + "\n  ./steward services webapp --env staging");
                Runtime.getRuntime().addShutdownHook(new Thread(e::closeWithTasks));
                Thread.currentThread().join();
            }
            System.out.println(rc == 0 ? "\ndemo done: webapp v2 runs on 3 instances" : "\ndemo failed (see above)");
            return rc;
        } finally {
            if (!keep) {
                e.closeWithTasks(); // the demo's instances end with it
                if (data == null) {
                    Main.deleteTree(dir);
                }
            }
        }
    }

    private static String pack(StewardClient c, Path dir, String version) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("src/webapp-" + version));
        try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/webapp/app.py")) {
            if (in == null) {
                throw new IOException("the example app is missing from this build (demo/webapp/app.py)");
            }
            Files.copy(in, tree.resolve("app.py"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(tree.resolve("VERSION"), version + "\n");
        Path out = dir.resolve("webapp-" + version + ".tar.zst");
        BuiltPackage p = PackageBuilder.from(tree).include("app.py, VERSION").manifest(new PackageManifest(null, "webapp", version,
                "exec python3 app.py", null, List.of("http"), new HealthCheck("http", "/healthz", "http", null, "500ms", "400ms", "5s", 2), null, null))
                .writeTo(out);
        PackageClient.Pushed pushed = c.packages().push(out, p.digest());
        System.out.printf("== packaged webapp %s: %s (%d bytes)%s%n", version, p.digest(), p.size(), pushed.uploaded() ? ", uploaded" : "");
        return p.digest();
    }

    private static int deploy(StewardClient c, String digest, int n, String strategy) throws IOException {
        DeployRequest req = new DeployRequest(digest, null, null, n, "0.25", "64m", null, null, null, null, null, null, null, strategy, "1", "0", null, null,
                null, "2s", "60s", "3m", null, null, null, null, "demo", null);
        DeployResult r = c.deployments().deploy("webapp", "staging", req);
        return Rollout.follow(c, r, Duration.ofMinutes(5), false, System.out);
    }

    private static void show(StewardClient c) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Map<String, String> answers = new TreeMap<>();
        for (Endpoint ep : c.deployments().endpoints("webapp", "staging")) {
            String url = "http://" + ep.host() + ":" + ep.ports().get("http") + "/";
            try {
                answers.put(url, http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).body().trim());
            } catch (IOException | InterruptedException ex) {
                answers.put(url, "no answer: " + ex.getMessage());
            }
        }
        answers.forEach((url, body) -> System.out.println("   GET " + url + "  ->  " + body));
    }
}
