package dev.steward.steps;

import dev.steward.api.AllocateRequest;
import dev.steward.api.PackageManifest;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.client.PackageClient;
import dev.steward.pkg.PackageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Cloud's agent task ({@link CloudPlanner#agentTask}) run by a real agent runtime, with a
 * stand-in {@code agent.jar} shipped as a package: the node's secret reaches {@code agent.jar}
 * through a file, and appears on no command line, in no environment, and in no API answer.
 */
class AgentTaskTest {
    private static final String SECRET = "9f".repeat(32);
    private TestCluster c;

    @BeforeEach
    void start() throws Exception {
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
    }

    @Test
    void agentJarReadsTheNodesSecretFromAFileAndNoReaderOfTheApiSeesIt() throws Exception {
        String digest = agentJarPackage();
        String alloc = c.admin.submit(new AllocateRequest(null, "jenkins-agent", 1, "0.5", "512m", null, null, null, null, null, null, null, null, true,
                null, "5m")).allocations().get(0);
        TaskSpec spec = CloudPlanner.agentTask("-Xmx48m -Xss512k", "http://127.0.0.1:8080/", "steward-linux-1", SECRET, digest);
        TaskInfo created = c.admin.call("POST", "/v1/allocations/" + alloc + "/tasks", spec, TaskInfo.class, false);
        assertThat(created.spec().secrets()).containsEntry(CloudPlanner.SECRET_NAME, TaskSpec.REDACTED);

        await().atMost(Duration.ofSeconds(60)).until(() -> task(created.id()).state().terminal());
        TaskInfo done = task(created.id());
        String out = new String(c.admin.logs(created.id(), "stdout", 0, Duration.ZERO).bytes(), StandardCharsets.UTF_8);
        assertThat(done.exitCode()).as(out + new String(c.admin.logs(created.id(), "stderr", 0, Duration.ZERO).bytes(), StandardCharsets.UTF_8))
                .isZero();
        assertThat(out).contains("secret: " + SECRET).contains("in-env: false").contains("workdir: true")
                .contains("raw: -url http://127.0.0.1:8080/ -name steward-linux-1 -secret @/").contains("/secrets/" + CloudPlanner.SECRET_NAME + " -webSocket");
        String raw = out.lines().filter(l -> l.startsWith("raw: ")).findFirst().orElseThrow();
        assertThat(raw).doesNotContain(SECRET);
        assertThat(done.toString()).doesNotContain(SECRET);
        assertThat(c.admin.tasksOf(alloc).toString()).doesNotContain(SECRET);
    }

    private TaskInfo task(String id) throws java.io.IOException {
        return c.admin.get("/v1/tasks/" + id, new com.fasterxml.jackson.core.type.TypeReference<TaskInfo>() {
        });
    }

    /** A package holding {@code agent.jar}: a real jar whose main class is {@link FakeAgentJar}. */
    private String agentJarPackage() throws Exception {
        Path dir = Files.createDirectories(c.root.resolve("agent-jar"));
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeAgentJar.class.getName());
        String entry = FakeAgentJar.class.getName().replace('.', '/') + ".class";
        try (OutputStream f = Files.newOutputStream(dir.resolve("agent.jar")); JarOutputStream jar = new JarOutputStream(f, m);
             InputStream cls = FakeAgentJar.class.getResourceAsStream("FakeAgentJar.class")) {
            jar.putNextEntry(new JarEntry(entry));
            cls.transferTo(jar);
            jar.closeEntry();
        }
        Path out = c.root.resolve("agent-jar.tar.zst");
        PackageBuilder.from(dir).include("agent.jar").manifest(new PackageManifest(null, "jenkins-agent", "test", null, null, null, null, null, null))
                .writeTo(out);
        String digest = PackageClient.digestOf(out);
        c.admin.packages().push(out, digest);
        return digest;
    }
}
