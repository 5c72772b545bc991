package dev.steward.allocator.http;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An agent may come back smaller than what it already runs: its machine lost memory, or its
 * flags changed. What it runs is still held; it takes nothing new until enough ends. Neither a
 * preemption weighing its allocations nor a restart of the allocator may fail over it.
 */
class AgentShrinkTest {
    private static final String SMALLER = "{\"name\":\"m1\",\"cpus\":\"2\",\"memory\":\"4g\",\"ports\":\"21000-21100\",\"attributes\":{\"os\":\"linux\"}}";

    @Test
    void a_preemption_on_an_agent_smaller_than_what_it_runs_goes_through() {
        try (LiveServer s = new LiveServer(c -> c)) {
            String[] m = s.agent("m1", "4", "4g");
            LiveServer.Reply low = s.post("/v1/requests", s.admin(), "{\"cpus\":\"3\",\"memory\":\"1g\",\"priority\":1,\"preemptible\":true}");
            assertThat(low.body().path("state").asText()).isEqualTo("PLACED");
            assertThat(s.put("/v1/agents/" + m[0], m[1], SMALLER).code()).isEqualTo(200);

            LiveServer.Reply high = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\",\"priority\":50}");
            assertThat(high.code()).as("%s", high.body()).isEqualTo(201);
            assertThat(high.body().path("state").asText()).as("placed by preempting the 3 cpus").isEqualTo("PLACED");
            String victim = low.body().path("allocations").get(0).asText();
            assertThat(s.get("/v1/allocations/" + victim, s.admin()).body().path("state").asText()).isEqualTo("PREEMPTED");
            LiveServer.Reply next = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}");
            assertThat(next.code()).as("the next command: %s", next.body()).isEqualTo(201);
            assertThat(next.body().path("state").asText()).isEqualTo("PLACED");
        }
    }

    @Test
    void the_allocator_starts_again_over_an_agent_smaller_than_what_it_runs() throws Exception {
        Path dir = Files.createTempDirectory("steward-shrink-test");
        try {
            String held;
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                String[] m = s.agent("m1", "4", "4g");
                LiveServer.Reply big = s.post("/v1/requests", s.admin(), "{\"cpus\":\"3\",\"memory\":\"1g\",\"ttl\":\"1h\"}");
                held = big.body().path("allocations").get(0).asText();
                assertThat(s.put("/v1/agents/" + m[0], m[1], SMALLER).code()).isEqualTo(200);
                LiveServer.Reply none = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}");
                assertThat(none.body().path("state").asText()).as("no room: 3 of 2 cpus held").isEqualTo("PENDING");
            }
            try (LiveServer again = new LiveServer(dir, c -> c)) {
                assertThat(again.get("/v1/allocations/" + held, again.admin()).body().path("state").asText()).as("still held after the restart")
                        .isEqualTo("ALLOCATED");
                assertThat(again.get("/v1/requests?state=pending", again.admin()).body()).hasSize(1);
                assertThat(again.post("/v1/allocations/" + held + "/release", again.admin(), null).code()).isEqualTo(200);
                assertThat(again.get("/v1/requests?state=pending", again.admin()).body()).as("room once it ended").isEmpty();
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
