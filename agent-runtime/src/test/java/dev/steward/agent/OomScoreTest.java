package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * When the machine runs out of memory, the kernel's OOM killer takes a task before the agent
 * (and the wrapper that keeps the task's exit status): the agent lowers its own oom_score_adj,
 * and each task's command runs at the default 0 again. A real agent and a real task; the value
 * is read from /proc.
 */
class OomScoreTest {
    private static final Path SELF = Path.of("/proc/self/oom_score_adj");
    private Cluster c;
    private String before;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
        if (before != null) {
            Files.writeString(SELF, before); // the agent ran in this JVM: put the test JVM back as it was
        }
    }

    @Test
    void the_agent_is_kept_off_the_oom_killer_and_its_tasks_are_not() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "lowering oom_score_adj needs root");
        before = Files.readString(SELF).trim();
        // lowering it needs CAP_SYS_RESOURCE, which some machines withhold even from root (this one does); raising it needs
        // nothing, and the wrapper's return to 0 from either side is what a task sees
        String adj = mayLower() ? "-777" : "300";
        c = new Cluster();
        c.agent("m1", Map.of("oom-score-adj", adj));
        assertThat(Files.readString(SELF).trim()).as("the agent's process").isEqualTo(adj);

        String t = c.task(c.allocate("0.1", "32m"), "{\"name\":\"t\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"echo \\\"adj=$(cat /proc/self/oom_score_adj) wrapper=$(cat /proc/$PPID/oom_score_adj)\\\"; exec sleep 600\"],\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/tasks/" + t + "/logs", null).asText().contains("adj="));
        String out = c.call("GET", "/v1/tasks/" + t + "/logs", null).asText();
        assertThat(out).as("the task's command runs at the default, its wrapper stays with the agent").contains("adj=0 wrapper=" + adj);
    }

    /** True if this process holds CAP_SYS_RESOURCE (bit 24 of CapEff). */
    private static boolean mayLower() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(l.substring(7).trim(), 16) & (1L << 24)) != 0;
            }
        }
        return false;
    }

    @Test
    void a_value_outside_the_kernels_range_is_refused_naming_the_key() {
        for (String bad : new String[] {"-1001", "1001", "low"}) {
            assertThatThrownBy(() -> AgentConfig.load(null, Map.of("oom-score-adj", bad))).as(bad).hasMessageContaining("oom-score-adj");
        }
    }
}
