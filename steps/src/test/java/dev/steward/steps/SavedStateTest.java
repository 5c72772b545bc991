package dev.steward.steps;

import dev.steward.api.AllocateRequest;
import dev.steward.api.CanaryStep;
import dev.steward.api.Constraint;
import dev.steward.api.DeployRequest;
import dev.steward.api.HealthCheck;
import dev.steward.api.MonitorSpec;
import dev.steward.api.RestartPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a step keeps across a controller restart comes back equal, with every field filled in. */
class SavedStateTest {
    @Test
    void everyRequestAStepKeepsComesBackEqual() {
        AllocateRequest alloc = new AllocateRequest("ci", "db", 2, "0.5", "1g", "2g", "1", "a100", List.of("db", "admin"),
                Map.of("licenses", 2L), List.of(Constraint.eq("os", "linux"), new Constraint("zone", "in", null, List.of("a", "b"))), "spread", 50, true,
                true, "30m");
        DeployRequest deploy = new DeployRequest("sha256:" + "a".repeat(64), "exec app", List.of("-v"), 3, "1", "512m", "1g", List.of("http"),
                Map.of("MODE", "prod", "LEVEL", "2"), null, new HealthCheck("http", "/healthz", "http", null, "1s", "500ms", "10s", 3),
                List.of(Constraint.eq("os", "linux")), new RestartPolicy(3, "1m", "1s", "fail", false), "canary", "25%", "0", 5,
                List.of(new CanaryStep("10", "1m", "error-rate < 1%"), new CanaryStep("100", null, null)), "30s", "10s", "2m", "10m", true, "wait",
                "staging", "ci", "jenkins web#42", "https://ci/job/web/42/");
        MonitorSpec monitor = new MonitorSpec(List.of("healthy >= 100%", "p99 < 300ms"), "10m", "15s", "1m", 2, "/metrics", "http",
                "http_requests_total", "code", "5..", "http_request_seconds", "ERROR", true);
        PackageRun.Args pkg = new PackageRun.Args("web", "1.0", "build/**", "**/*.tmp", false, "exec java -jar web.jar", Map.of("JAVA_OPTS", "-Xmx1g"),
                List.of("http"), "/healthz", false, "http", "20s", "1", "512m", "1g", "out/web.tar.zst");

        for (Object o : List.of(alloc, deploy, monitor, pkg)) {
            String saved = SavedState.save(o);
            assertThat(SavedState.load(saved, o.getClass())).as(saved).isEqualTo(o);
        }
        assertThat(SavedState.save(new AllocateRequest(null, null, null, "1", null, null, null, null, null, null, null, null, null, null, null, null)))
                .as("absent fields stay absent").isEqualTo("{\"cpus\":\"1\"}");
    }

    @Test
    void unreadableStateSaysWhatItWas() {
        assertThatThrownBy(() -> SavedState.load("{not json", DeployRequest.class)).hasMessageStartingWith("saved DeployRequest cannot be read back");
    }
}
