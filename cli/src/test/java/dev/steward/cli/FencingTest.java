package dev.steward.cli;

import dev.steward.client.StewardClient;
import dev.steward.ha.TestZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A leader paused past its ZooKeeper session (SIGSTOP) is replaced; a write sent to it while
 * paused does not land when it resumes (SIGCONT), and it steps down, saying so in its log.
 */
class FencingTest {
    private final Map<String, Process> servers = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TestZooKeeper zk;
    private Path dir;

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : servers.values()) {
            new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
            p.destroyForcibly().waitFor();
        }
        if (zk != null) {
            zk.close();
        }
        if (dir != null) {
            Main.deleteTree(dir);
        }
    }

    private void server(String n) throws Exception {
        Path data = dir.resolve(n);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "server", "--data", data.toString(), "--bind", "127.0.0.1:0", "--zookeeper", zk.getConnectString(), "--zk-session-timeout", "3s",
                "--secrets-key", dir.resolve("secrets.key").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(n + ".log").toFile()).start();
        servers.put(n, p);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("server.addr")) || !p.isAlive());
        assertThat(p.isAlive()).as("server %s died at start", n).isTrue();
        ports.put(n, URI.create(Files.readString(data.resolve("server.addr")).trim()).getPort());
    }

    private String role(String n) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(n) + "/v1/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body().contains("\"role\":\"leader\"") ? "leader" : "follower";
        } catch (IOException | InterruptedException e) {
            return "down";
        }
    }

    @Test
    void aLeaderPausedPastItsSessionIsReplacedAndNoneOfItsWritesLand() throws Exception {
        dir = Files.createTempDirectory("steward-fencing");
        zk = dev.steward.ha.TestEnsembles.cluster(3, 500, 100);
        zk.start();
        for (String n : List.of("s1", "s2", "s3")) {
            server(n);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.keySet().stream().filter(n -> role(n).equals("leader")).count() == 1);
        String old = servers.keySet().stream().filter(n -> role(n).equals("leader")).findFirst().orElseThrow();
        String admin = Files.readString(dir.resolve("s1/admin.token")).trim();
        String others = ports.entrySet().stream().filter(e -> !e.getKey().equals(old)).map(e -> "http://127.0.0.1:" + e.getValue())
                .collect(Collectors.joining(","));
        StewardClient c = StewardClient.builder(others).token(admin).retryBudget(Duration.ofSeconds(60)).build();

        new ProcessBuilder("kill", "-STOP", Long.toString(servers.get(old).pid())).start().waitFor();
        // sent to the paused leader itself: it sits in the socket until the process runs again
        CompletableFuture<HttpResponse<String>> stale = http.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ports.get(old) + "/v1/roles/written-by-the-deposed-leader"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"weight\": 3}")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.keySet().stream().anyMatch(n -> !n.equals(old) && role(n).equals("leader")));
        c.call("PUT", "/v1/roles/written-by-the-new-leader", Map.of("weight", 2), Object.class, false);

        new ProcessBuilder("kill", "-CONT", Long.toString(servers.get(old).pid())).start().waitFor();
        HttpResponse<String> answer = stale.get(60, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as("the deposed leader's answer: %s", answer.body()).isNotEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Files.readString(dir.resolve(old + ".log"))).contains("stepping down as leader"));
        await().atMost(Duration.ofSeconds(30)).until(() -> role(old).equals("follower"));
        System.out.println("the deposed leader answered " + answer.statusCode() + ": " + answer.body());
        Files.readAllLines(dir.resolve(old + ".log")).stream().filter(l -> l.contains("stepping down") || l.contains("leading at"))
                .forEach(l -> System.out.println(old + ": " + l));

        List<String> names = new ArrayList<>();
        for (Object r : c.get("/v1/roles", new com.fasterxml.jackson.core.type.TypeReference<List<Map<String, Object>>>() { })) {
            names.add(String.valueOf(((Map<?, ?>) r).get("name")));
        }
        assertThat(names).contains("written-by-the-new-leader").doesNotContain("written-by-the-deposed-leader");
        // and the deposed leader, following again, has the new leader's writes and not its own
        StewardClient viaOld = StewardClient.builder("http://127.0.0.1:" + ports.get(old)).token(admin).retryBudget(Duration.ofSeconds(30)).build();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> seen = new ArrayList<>();
            for (Map<String, Object> r : viaOld.get("/v1/roles", new com.fasterxml.jackson.core.type.TypeReference<List<Map<String, Object>>>() { })) {
                seen.add(String.valueOf(r.get("name")));
            }
            assertThat(seen).contains("written-by-the-new-leader").doesNotContain("written-by-the-deposed-leader");
        });
    }
}
