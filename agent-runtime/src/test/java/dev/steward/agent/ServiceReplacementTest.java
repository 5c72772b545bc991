package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A service keeps its instances: when their agent is lost, they are replaced on another agent. */
class ServiceReplacementTest {
    private Cluster c;
    private Path work;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new Cluster(Duration.ofSeconds(2));
        work = Files.createTempDirectory("steward-replace");
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
            Cluster.removeTree(work, false);
        }
    }

    @Test
    void instancesOnALostAgentAreReplacedElsewhere() throws Exception {
        Agent first = c.agent("m1", Map.of());
        StewardClient admin = StewardClient.builder(c.server.url()).token(c.server.adminToken()).build();
        String v1 = Apps.webapp(admin, work, "v1", Map.of());
        String id = c.call("PUT", "/v1/services/webapp/prod", "{\"packageDigest\":\"" + v1 + "\",\"instances\":2,\"minHealthyTime\":\"1s\"}")
                .path("deployment").path("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> c.call("GET", "/v1/deployments/" + id, null).path("state").asText().equals("SUCCEEDED"));
        Set<String> before = new HashSet<>(c.call("GET", "/v1/services/webapp/prod/instances", null).findValuesAsText("id"));

        c.agent("m2", Map.of("ports", TestFork.ports(1)));
        first.close(); // its heartbeats stop: lost after the 2 s grace, with its allocations
        Cluster.killTasks(c.root.resolve("agent-m1"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode svc = c.call("GET", "/v1/services/webapp/prod", null);
            assertThat(svc.path("available").asInt()).isEqualTo(2);
            JsonNode endpoints = c.call("GET", "/v1/services/webapp/prod/endpoints", null);
            assertThat(endpoints.findValuesAsText("instance")).hasSize(2).doesNotContainAnyElementsOf(before);
        });
        JsonNode instances = c.call("GET", "/v1/services/webapp/prod/instances", null);
        for (JsonNode i : instances) {
            if (before.contains(i.path("id").asText())) {
                assertThat(i.path("state").asText()).isEqualTo("LOST");
                assertThat(i.path("reason").asText()).contains("missed heartbeats");
            } else {
                assertThat(i.path("reason").asText() + i.path("state").asText()).contains("HEALTHY");
            }
        }
    }
}
