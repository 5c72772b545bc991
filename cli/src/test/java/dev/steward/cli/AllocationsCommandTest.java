package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentRegistration;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code steward allocations} against a real allocator: the live ones by default (a role's own
 * only), by role and agent, ended ones with {@code --all}; one shown with its lease, history,
 * tasks and whose room it took; releases, idempotent, and an unknown id said plainly.
 */
class AllocationsCommandTest {
    @TempDir
    Path dir;

    private static String[] as(Server s, String token, String... args) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 4);
        out[args.length] = "--addr";
        out[args.length + 1] = s.url();
        out[args.length + 2] = "--token";
        out[args.length + 3] = token;
        return out;
    }

    private static String allocate(StewardClient c, Map<String, Object> body) throws Exception {
        return c.call("POST", "/v1/requests", body, JsonNode.class, false).path("allocations").get(0).asText();
    }

    @Test
    void allocationsAreListedShownAndReleased() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100", Map.of("address", "http://10.9.8.7:4747")));
            admin.call("PUT", "/v1/roles/farm", Map.of("weight", 1), JsonNode.class, true);
            String farmToken = admin.createToken("farm", "farm").token();
            StewardClient farm = StewardClient.builder(s.url()).token(farmToken).build();
            String executor = allocate(farm, Map.of("name", "executor", "cpus", "3.5", "memory", "1g", "ports", List.of("agent"), "priority", 10,
                    "preemptible", true, "ttl", "1h"));
            String task = farm.call("POST", "/v1/allocations/" + executor + "/tasks", Map.of("name", "build", "command", "true"), JsonNode.class, false)
                    .path("id").asText();

            CliRun listed = CliRun.of(CliRun.with(s, "allocations"));
            assertThat(listed.code()).as(listed.err()).isZero();
            assertThat(listed.out().lines().filter(l -> l.startsWith(executor))).singleElement().asString()
                    .contains("executor-0").contains("farm").contains("m1").contains("cpus=3.5 memory=1g agent:21000").contains("10 (p)")
                    .contains("allocated").containsPattern("in (59m5\\d|1h)");
            assertThat(listed.out()).contains("(p): preemptible");
            assertThat(CliRun.of(as(s, farmToken, "allocations")).out()).contains(executor);
            String m1 = admin.agents().get(0).id();
            assertThat(CliRun.of(CliRun.with(s, "allocations", "--agent", "m1")).out()).contains(executor);
            assertThat(CliRun.of(as(s, farmToken, "allocations", "--agent", m1)).out()).as("by id, as a role").contains(executor);
            assertThat(CliRun.of(CliRun.with(s, "allocations", "--agent", "m1", "--role", "default")).out()).startsWith("No live allocations match.");
            CliRun unknown = CliRun.of(CliRun.with(s, "allocations", "--agent", "m9"));
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.err()).isEqualTo("steward allocations: no agent named or with the id 'm9' (1 agent known; 'steward agents' lists them)\n");

            CliRun shown = CliRun.of(as(s, farmToken, "allocations", "show", executor));
            assertThat(shown.code()).as(shown.err()).isZero();
            assertThat(shown.out()).startsWith("allocation " + executor + " (executor-0) of role farm: allocated\n")
                    .contains("  agent:    m1 (").contains(", at 10.9.8.7\n").contains("  priority: 10, preemptible\n").contains("  lease:    ends ")
                    .contains(" allocated  placed on agent m1\n")
                    .containsPattern("  " + task + "  build +pending ")
                    .endsWith("A task's output: steward logs " + executor + "\n");

            // a request of a higher priority takes its room: the farm's is listed only with the ended ones, and the new one says whose it took
            String urgent = allocate(admin, Map.of("name", "urgent", "cpus", "1", "memory", "1g", "priority", 100));
            assertThat(CliRun.of(CliRun.with(s, "allocations")).out()).doesNotContain(executor).contains(urgent);
            assertThat(CliRun.of(CliRun.with(s, "allocations", "--role", "farm")).out()).startsWith("No live allocations match.");
            assertThat(CliRun.of(CliRun.with(s, "allocations", "--all", "--role", "farm")).out().lines().filter(l -> l.startsWith(executor)))
                    .singleElement().asString().contains("preempted");
            assertThat(CliRun.of(as(s, farmToken, "allocations", "--all")).out()).as("a role sees its own only").doesNotContain(urgent);
            assertThat(CliRun.of(CliRun.with(s, "allocations", "show", urgent)).out())
                    .contains("  why:      placed on agent m1, in the room of 1 preempted allocation: " + executor + " (role 'farm', priority 10)\n")
                    .contains("  none: nothing has been started in it\n");
            JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(CliRun.of(CliRun.with(s, "allocations", "-o", "json")).out());
            assertThat(json).hasSize(1);
            assertThat(json.get(0).path("preempted").get(0).asText()).isEqualTo(executor);

            CliRun released = CliRun.of(CliRun.with(s, "allocations", "release", urgent, executor, "nosuch"));
            assertThat(released.code()).as("one of the three was not there").isEqualTo(1);
            assertThat(released.out()).contains("released allocation " + urgent + " (default) on m1: its tasks are stopped and its room given back\n")
                    .contains("allocation " + executor + " (farm) had ended already: preempted, preempted by request ");
            assertThat(released.err()).isEqualTo("steward allocations release: nosuch: no allocation 'nosuch' (404)\n");
            assertThat(admin.allocation(urgent).state().name()).isEqualTo("RELEASED");
            assertThat(CliRun.of(as(s, farmToken, "allocations", "show", urgent)).err()).as("another role's is not there to it")
                    .contains("no allocation '" + urgent + "' (404)");
        }
    }

    @Test
    void theAllocationsOfAForgottenAgentAreFoundByItsName() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(java.time.Duration.ofSeconds(1)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            String id = StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m2", "4", "4g", null, null, null, null, "21000-21100", Map.of())).agent().id();
            String held = allocate(admin, Map.of("name", "held", "cpus", "1", "memory", "1g"));
            // no heartbeat: the agent is lost, and what it held with it; then it is forgotten for good
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> admin.agents().get(0).status() == dev.steward.api.AgentStatus.LOST);
            admin.call("DELETE", "/v1/agents/" + id, null, JsonNode.class, false);
            assertThat(admin.agents()).isEmpty();

            CliRun ended = CliRun.of(CliRun.with(s, "allocations", "--all", "--agent", "m2"));
            assertThat(ended.code()).as(ended.err()).isZero();
            assertThat(ended.out().lines().filter(l -> l.startsWith(held))).singleElement().asString().contains("m2").contains("lost");
            assertThat(CliRun.of(CliRun.with(s, "allocations", "--all", "--agent", id)).out()).contains(held);
            assertThat(CliRun.of(CliRun.with(s, "allocations", "--agent", "m2")).out()).startsWith("No live allocations match.");
            assertThat(CliRun.of(CliRun.with(s, "allocations", "--all", "--agent", "m3")).err())
                    .isEqualTo("steward allocations: no agent named or with the id 'm3' (0 agents known; 'steward agents' lists them)\n");
        }
    }
}
