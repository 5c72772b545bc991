package dev.steward.steps;

import dev.steward.api.DeployRequest;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import dev.steward.api.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The monitor step's behaviour: verdict, reports for archiving, the build result. */
class MonitorRunTest {
    private TestCluster c;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void aVerdictWithReportsAndTheBuildResultItMeans() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        DeployRequest d = new DeployRequest(v1, null, null, 1, "0.25", "64m", null, null, null, null, null, null, null, null, null, null, null, null, null, "1s",
                "30s", null, null, null, null, null, null, null);
        assertThat(DeployWatch.start(c.admin, "webapp", "prod", d, c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();
        MonitorRun m = MonitorRun.start(c.admin, "webapp", "prod",
                new MonitorSpec(List.of("healthy >= 100%", "error-rate < 1%"), "3s", "1s", "2s", 0, null, null, null, null, null, null, null, null), c.listener);
        MonitorReport r = m.follow(Duration.ofSeconds(30));
        // no traffic: the error rate has no data, so the verdict is inconclusive, never a pass
        assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(MonitorRun.result(r.verdict(), false)).isEqualTo(MonitorRun.Result.UNSTABLE);
        assertThat(MonitorRun.result(r.verdict(), true)).isEqualTo(MonitorRun.Result.FAILURE);
        assertThat(MonitorRun.result(Verdict.PASS, true)).isEqualTo(MonitorRun.Result.SUCCESS);
        Map<String, Object> returned = MonitorRun.stepResult(r);
        assertThat(returned).containsEntry("verdict", "INCONCLUSIVE").containsKey("reason");
        @SuppressWarnings("unchecked")
        Map<String, Object> gates = (Map<String, Object>) returned.get("gates");
        assertThat(gates).containsOnlyKeys("healthy >= 100%", "error-rate < 1%");
        assertThat((Map<Object, Object>) gates.get("healthy >= 100%")).containsEntry("verdict", "PASS").containsEntry("value", 1.0);
        assertThat((Map<Object, Object>) gates.get("error-rate < 1%")).containsEntry("verdict", "INCONCLUSIVE").containsEntry("value", null);
        Path html = m.writeReports(r, c.root.resolve("build/monitor"));
        assertThat(Files.readString(html)).contains("<svg").contains("INCONCLUSIVE");
        assertThat(Files.readString(c.root.resolve("build/monitor/monitor.json"))).contains("\"verdict\" : \"INCONCLUSIVE\"");
        assertThat(c.lines).anyMatch(l -> l.startsWith("steward: evaluation 1:")).anyMatch(l -> l.startsWith("steward: INCONCLUSIVE"));
    }
}
