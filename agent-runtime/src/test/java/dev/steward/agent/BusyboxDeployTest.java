package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.api.ResourceAmounts;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.PackageBuilder;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real server from Debian, busybox httpd, deployed from packages and rolled from one site version to the next. */
class BusyboxDeployTest {
    private Cluster c;
    private Path work;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/busybox")), "busybox is not installed at /usr/bin/busybox (.ci/run installs it)");
        c = new Cluster();
        c.agent("m1", Map.of());
        work = Files.createTempDirectory("steward-busybox");
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
            Cluster.removeTree(work, false);
        }
    }

    private String site(StewardClient admin, String version) throws Exception {
        Path tree = Files.createDirectories(work.resolve("site-" + version).resolve("www"));
        Files.writeString(tree.resolve("index.html"), "<h1>site " + version + "</h1>\n");
        Path out = work.resolve("site-" + version + ".tar.zst");
        PackageBuilder.from(tree.getParent()).manifest(new PackageManifest(null, "site", version, "exec busybox httpd -f -p 127.0.0.1:$PORT_HTTP -h www",
                null, List.of("http"), new HealthCheck("http", "/index.html", "http", null, "300ms", "250ms", "5s", 2),
                new ResourceAmounts("0.1", "32m", null, null, null), null)).writeTo(out);
        String d = PackageClient.digestOf(out);
        admin.packages().push(out, d);
        return d;
    }

    private Set<String> answers() throws Exception {
        Set<String> out = new HashSet<>();
        for (JsonNode e : c.call("GET", "/v1/services/site/prod/endpoints", null)) {
            String url = "http://" + e.path("host").asText() + ":" + e.path("ports").path("http").asInt() + "/index.html";
            try (Response r = c.http.newCall(new Request.Builder().url(url).build()).execute()) {
                out.add(r.body().string().trim());
            }
        }
        return out;
    }

    private void awaitSucceeded(JsonNode result) {
        String id = result.path("deployment").path("id").asText();
        await().atMost(Duration.ofSeconds(90)).until(() -> !Set.of("RUNNING", "QUEUED").contains(c.call("GET", "/v1/deployments/" + id, null)
                .path("state").asText()));
        assertThat(c.call("GET", "/v1/deployments/" + id, null).path("state").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    void busyboxHttpdIsDeployedAndRolledToTheNextSite() throws Exception {
        StewardClient admin = StewardClient.builder(c.server.url()).token(c.server.adminToken()).build();
        String v1 = site(admin, "v1");
        String v2 = site(admin, "v2");
        awaitSucceeded(c.call("PUT", "/v1/services/site/prod", "{\"packageDigest\":\"" + v1 + "\",\"instances\":2,\"minHealthyTime\":\"1s\"}"));
        assertThat(answers()).containsExactly("<h1>site v1</h1>");
        awaitSucceeded(c.call("PUT", "/v1/services/site/prod", "{\"packageDigest\":\"" + v2 + "\",\"maxSurge\":\"1\",\"maxUnavailable\":\"0\"}"));
        assertThat(answers()).containsExactly("<h1>site v2</h1>");
        assertThat(c.call("GET", "/v1/services/site/prod/endpoints", null).size()).isEqualTo(2);
    }
}
