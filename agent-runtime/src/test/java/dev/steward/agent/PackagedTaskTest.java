package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.client.StewardClient;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Tasks started from packages: fetched through the artifact store, unpacked into the sandbox, run by the manifest's command. */
class PackagedTaskTest {
    private Cluster c;
    private Agent agent;
    private Path work;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new Cluster();
        agent = c.agent("m1", Map.of());
        work = Files.createTempDirectory("steward-pkg-work");
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
            Cluster.removeTree(work, false);
        }
    }

    /** A small web app: serves the files of its package directory, says where it runs from. */
    private Path app(String version) throws Exception {
        Path tree = Files.createDirectories(work.resolve("app-" + version));
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("www"));
        Files.writeString(tree.resolve("www/index.html"), "hello from " + version + "\n");
        Files.writeString(tree.resolve("bin/serve"), "#!/bin/sh\necho \"serving $APP_VERSION from $(pwd) on $1\"\ncd www && exec python3 -u -m http.server --bind 127.0.0.1 \"$1\"\n");
        Files.setPosixFilePermissions(tree.resolve("bin/serve"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(tree.resolve("README"), "not packaged");
        Path out = work.resolve("app-" + version + ".tar.zst");
        PackageBuilder.from(tree).include("bin/**, www/**").manifest(new PackageManifest(null, "web", version, "exec ./bin/serve $PORT_HTTP",
                Map.of("APP_VERSION", version), List.of("http"), new HealthCheck("http", "/", "http", null, "300ms", "250ms", "30s", null), null, null))
                .writeTo(out);
        return out;
    }

    private String push(Path pkg) throws Exception {
        String digest = dev.steward.client.PackageClient.digestOf(pkg);
        admin().packages().push(pkg, digest);
        return digest;
    }

    private StewardClient admin() {
        return StewardClient.builder(c.server.url()).token(c.server.adminToken()).build();
    }

    @Test
    void aTaskFromAPackageRunsTheManifestsCommandInTheUnpackedTree() throws Exception {
        String digest = push(app("v1"));
        String alloc = c.allocate("0.2", "128m", "http");
        String task = c.task(alloc, "{\"name\":\"web\",\"packageDigest\":\"" + digest + "\"}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(c.taskInfo(task).path("healthy").asBoolean(false))
                .as("%s", c.taskInfo(task)).isTrue());
        JsonNode info = c.taskInfo(task);
        assertThat(info.path("spec").path("command").asText()).isEqualTo("/bin/sh");
        int port = info.path("ports").path("http").asInt();
        try (Response r = c.http.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/index.html").build()).execute()) {
            assertThat(r.body().string()).isEqualTo("hello from v1\n");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> c.call("GET", "/v1/tasks/" + task + "/logs", null).asText().contains("serving v1 from "));
        String log = c.call("GET", "/v1/tasks/" + task + "/logs", null).asText();
        Path sandbox = Path.of(log.substring(log.indexOf(" from ") + 6, log.indexOf(" on ")));
        assertThat(Files.readString(sandbox.resolve("steward.json"))).contains("\"name\" : \"web\"");
        assertThat(sandbox.resolve("README")).doesNotExist();
        assertThat(Files.isExecutable(sandbox.resolve("bin/serve"))).isTrue();
    }

    @Test
    void tasksWantingTheSameDigestAtOnceShareOneDownload() throws Exception {
        Path big = app("v2");
        String digest = push(big);
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String alloc = c.allocate("0.1", "64m", "http");
            tasks.add(c.task(alloc, "{\"name\":\"web\",\"packageDigest\":\"" + digest + "\"}"));
        }
        for (String t : tasks) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("state").asText().equals("RUNNING"));
        }
        assertThat(agent.packageDownloads()).isEqualTo(1);
        String later = c.task(c.allocate("0.1", "64m", "http"), "{\"name\":\"web\",\"packageDigest\":\"" + digest + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(later).path("state").asText().equals("RUNNING"));
        assertThat(agent.packageDownloads()).as("a cache hit").isEqualTo(1);
    }

    @Test
    void aPackageMissingFromTheStoreFailsTheTaskWithTheReason() throws Exception {
        String digest = push(app("v3"));
        String alloc = c.allocate("0.1", "64m", "http");
        Files.delete(c.root.resolve("server/packages/sha256").resolve(digest.substring(7)));
        String task = c.task(alloc, "{\"name\":\"web\",\"packageDigest\":\"" + digest + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals("FAILED"));
        assertThat(c.taskInfo(task).path("reason").asText()).startsWith("package " + digest.substring(0, 19) + ": ").contains("is not stored here");
        assertThat(c.taskInfo(task).path("hostFault").asBoolean()).as("not the task's failure: a service's instance is replaced").isTrue();
    }
}
