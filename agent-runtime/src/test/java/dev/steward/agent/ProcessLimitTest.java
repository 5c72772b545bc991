package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A task that forks without end (a fork bomb, or a build gone wrong) is held to the agent's
 * {@code task-pids-max}: its own forks fail, it ends saying so, and the machine still starts other
 * tasks. Without the limit such a task takes every pid of the machine (32,768 by default), and
 * with them the agent's and every other tenant's ability to start anything.
 */
class ProcessLimitTest {
    private Cluster c;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    /** Skips unless this process may make groups with a pids controller (root, cgroups v1 with a pids hierarchy, or v2 giving it). */
    private static void assumePidsLimitable() {
        String parent = "steward-test-pids-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            Cgroups g = Cgroups.detect(parent, 64);
            assumeThat(g.limitsPids()).as("no writable pids controller here (run as root on a machine with cgroups)").isTrue();
        } finally {
            Cgroups.removeParentIfEmpty(parent);
        }
    }

    @Test
    void a_fork_bomb_fails_its_own_forks_and_the_agent_still_starts_tasks() throws Exception {
        assumePidsLimitable();
        c = new Cluster();
        Agent agent = c.agent("m1", Map.of("task-pids-max", "16"));
        assertThat(agent.detected()).contains("at most 16 processes per allocation");
        String bombAlloc = c.allocate("0.2", "64m");
        // 200 children would be far past 16; each `&` is a fork, and dash gives up at the first one refused
        String bomb = c.task(bombAlloc, "{\"name\":\"bomb\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"i=0; while [ $i -lt 200 ]; do sleep 600 & i=$((i+1)); done; wait\"],\"killTimeout\":\"1s\",\"restart\":{\"attempts\":0}}");
        await().atMost(Duration.ofSeconds(60)).until(() -> c.taskInfo(bomb).path("state").asText().equals("FAILED"));
        JsonNode info = c.taskInfo(bomb);
        assertThat(info.path("reason").asText()).as(info.toString())
                .contains("refused at the process limit of 16 (the agent's task-pids-max");
        Path group = Path.of("/sys/fs/cgroup/pids", c.cgroupParent, Cgroups.allocationGroup(bombAlloc));
        if (Files.isDirectory(group)) { // cgroups v1: the allocation's group, and every process its tasks left, stayed within the limit
            assertThat(Long.parseLong(Files.readString(group.resolve("pids.max")).trim())).isEqualTo(16);
            assertThat(Long.parseLong(Files.readString(group.resolve("pids.current")).trim())).isLessThanOrEqualTo(16);
        }

        String other = c.task(c.allocate("0.1", "32m"), "{\"name\":\"other\",\"command\":\"sh\",\"args\":[\"-c\",\"sleep 1 & sleep 1 & wait; exec sleep 600\"],"
                + "\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(other).path("state").asText().equals("RUNNING"));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> c.taskInfo(other).path("state").asText().equals("RUNNING"));
    }

    @Test
    void the_limit_is_checked_when_the_agent_reads_its_config() throws Exception {
        for (String bad : new String[] {"3", "-1", "lots", "5000000"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> AgentConfig.load(null, Map.of("task-pids-max", bad)))
                    .as(bad).isInstanceOf(dev.steward.api.ValidationException.class).hasMessageContaining("task-pids-max");
        }
        assertThat(AgentConfig.load(null, Map.of("task-pids-max", "0")).taskPidsMax()).as("0: no limit").isZero();
        assertThat(AgentConfig.load(null, Map.of()).taskPidsMax()).isEqualTo(AgentConfig.DEFAULT_TASK_PIDS_MAX);
    }
}
