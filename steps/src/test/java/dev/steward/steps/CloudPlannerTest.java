package dev.steward.steps;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CloudPlannerTest {
    private final CloudPlanner.Template t = new CloudPlanner.Template("linux-big", "2", "4g", "-Xmx1g -Dx=y", 10, 5, 10, true);

    @Test
    void provisionsForTheExcessWithinTheCapCountingWhatIsComing() {
        assertThat(CloudPlanner.toProvision(t, 3, 0, 0)).isEqualTo(3);
        assertThat(CloudPlanner.toProvision(t, 3, 0, 2)).as("two are coming").isEqualTo(1);
        assertThat(CloudPlanner.toProvision(t, 10, 3, 0)).as("the cap").isEqualTo(2);
        assertThat(CloudPlanner.toProvision(t, 10, 5, 0)).isZero();
        assertThat(CloudPlanner.toProvision(t, 0, 0, 0)).isZero();
    }

    @Test
    void theRequestIsBorrowedCapacity() {
        var r = t.request("ci", "steward-linux-big-1a2b3c4d");
        assertThat(r.name()).isEqualTo("steward-linux-big-1a2b3c4d");
        assertThat(r.preemptible()).isTrue();
        assertThat(r.priority()).isEqualTo(10);
        assertThat(r.cpus()).isEqualTo("2");
        assertThat(r.parse()).isNotNull();
    }

    @Test
    void idleAgentsGoAfterTheirIdleMinutes() {
        Instant idle = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(CloudPlanner.terminate(t, null, idle.plusSeconds(3600))).as("busy").isFalse();
        assertThat(CloudPlanner.terminate(t, idle, idle.plusSeconds(599))).isFalse();
        assertThat(CloudPlanner.terminate(t, idle, idle.plusSeconds(600))).isTrue();
    }

    private static dev.steward.api.AllocationInfo alloc(String id, String role, String name, dev.steward.api.AllocationState state) {
        return new dev.steward.api.AllocationInfo(id, "r-" + id, role, name, "a1", "m1", null, null, null, null, 0, true, state, null, 0, null, null, null, 0, 0);
    }

    @Test
    void theSweepLooksOnlyAtLiveAllocationsOfItsRoleNamedAsTheCloudNamesItsAgents() {
        String node = CloudPlanner.nodeName("linux big", "0a1b2c3d");
        assertThat(node).isEqualTo("steward-cloud-linux-big-0a1b2c3d");
        var all = List.of(alloc("1", "ci", node, dev.steward.api.AllocationState.ALLOCATED),
                alloc("2", "ci", "steward-db", dev.steward.api.AllocationState.ALLOCATED), // an allocate step's, named by its user
                alloc("3", "farm", CloudPlanner.nodeName("linux", "ffffffff"), dev.steward.api.AllocationState.ALLOCATED), // another controller's
                alloc("4", "ci", CloudPlanner.nodeName("linux", "00000000"), dev.steward.api.AllocationState.RELEASED),
                alloc("5", "ci", null, dev.steward.api.AllocationState.ALLOCATED));
        assertThat(CloudPlanner.cloudAllocations(all, "ci")).containsExactly(Map.entry("1", node));
        assertThat(CloudPlanner.cloudAllocations(all, null)).containsOnlyKeys("1", "3");
        assertThatThrownBy(() -> CloudPlanner.nodeName("x", "XYZ")).hasMessageContaining("8 lowercase hex digits");
    }

    @Test
    void theSweepReleasesOrphanAllocationsAndRemovesNodesWithoutOne() {
        var s = CloudPlanner.sweep(Map.of("a1", "n1", "a2", "n-gone", "a3", "n-starting"), Map.of("n1", "a1", "n-dead", "a9"), Set.of("n-starting"));
        assertThat(s.releaseAllocations()).containsExactly("a2");
        assertThat(s.removeNodes()).containsExactly("n-dead");
    }

    @Test
    void theAgentTaskCarriesTheSecretAsATaskSecretNeverInItsEnvironmentOrCommandLine() {
        String secret = "a".repeat(64);
        var task = CloudPlanner.agentTask("-Xmx512m", "https://ci/", "steward-x-1", secret, "sha256:" + "b".repeat(64));
        assertThat(task.secrets()).containsExactly(Map.entry(CloudPlanner.SECRET_NAME, secret));
        assertThat(task.env()).isNull();
        assertThat(task.command()).isEqualTo("/bin/sh");
        assertThat(String.join(" ", task.args())).doesNotContain(secret).contains("'-secret' \"@$STEWARD_SECRETS/jenkins-agent-secret\"")
                .contains("'-Xmx512m'");
        assertThat(task.redacted().secrets()).containsExactly(Map.entry(CloudPlanner.SECRET_NAME, "(redacted)"));
        assertThat(task.packageDigest()).startsWith("sha256:");
        assertThat(CloudPlanner.oneShotLabel("r42")).isEqualTo("steward-r42");
        task.validate(List.of());
    }

    @Test
    void theAgentCommandReadsTheSecretFromAFile() {
        var cmd = CloudPlanner.agentCommand(t, "https://ci/", "steward-linux-big-1", "/sandbox/secret", "/cache/agent.jar", "/sandbox/work");
        assertThat(cmd).containsSequence("-secret", "@/sandbox/secret").containsSequence("-Xmx1g", "-Dx=y").contains("-webSocket")
                .noneMatch(a -> a.matches("[0-9a-f]{64}"));
        assertThatThrownBy(() -> new CloudPlanner.Template("", "1", "1g", null, 1, 1, 0, true)).hasMessageStartingWith("label:");
    }

    @Test
    void an_agent_without_a_jenkins_url_is_refused_with_what_to_set() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CloudPlanner.agentTask(null, null, "steward-x-1", "s3cr3t", "sha256:" + "b".repeat(64)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Jenkins URL is not configured")
                .hasMessageContaining("Manage Jenkins > System > Jenkins Location");
    }
}
