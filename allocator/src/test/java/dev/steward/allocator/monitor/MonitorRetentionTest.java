package dev.steward.allocator.monitor;

import dev.steward.allocator.deploy.ServiceRecord;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.StateConfig;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.api.MonitorSpec;
import dev.steward.api.RolloutSpec;
import dev.steward.api.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service monitored again and again keeps its latest {@link Monitors#KEEP_ENDED} ended
 * reports, with their points; older ones are removed from the state and the store, except one
 * that a kept deployment names as its canary gate; running ones are never removed; another
 * service's reports are not counted. Before, every report was kept for ever.
 */
class MonitorRetentionTest {
    private static final MonitorSpec SPEC = new MonitorSpec(List.of("restarts <= 2"), "1h", "10s", null, 0, null, null, null, null, null, null, null,
            false);
    private final AtomicInteger ids = new AtomicInteger();
    private final ClusterState state = new ClusterState(StateConfig.DEFAULTS, () -> "id-" + ids.incrementAndGet());
    private final Instant now = Instant.parse("2026-12-04T12:00:00Z");

    private String started(String service) {
        String id = state.newId();
        state.monitors().put(new MonitorReport(id, service, SPEC, true, null, "started", now, now.plusSeconds(3600), null, List.of(), null, 0, 0));
        state.monitors().append(id, 0, new GateReport.Point(now, 1.0, true));
        return id;
    }

    private void ended(String id) {
        MonitorReport r = state.monitors().getOrNull(id);
        state.monitors().put(new MonitorReport(r.id(), r.service(), r.spec(), false, Verdict.PASS, "passed", r.startedAt(), r.endsAt(), now, r.gates(),
                null, r.createIndex(), r.modifyIndex()));
    }

    @Test
    void a_service_keeps_its_latest_ended_reports_and_any_a_kept_deployment_gates_on() {
        state.services().restore(List.of(new ServiceRecord("web/prod", "web", "prod", "default", 1, 1, 1, 1, null, List.of(), null, 0, 2, now, now, 1, 1,
                null)), List.of(), List.of(), List.of());
        List<String> web = new ArrayList<>();
        String gate = started("web/prod");
        ended(gate);
        state.services().restore(List.of(), List.of(), List.of(new DeploymentInfo("d1", "web/prod", 1, null, null, RolloutSpec.ROLLING,
                DeploymentState.SUCCEEDED, 0, null, "admin", now, now, now, null, null, null, null, 1, 0, 1, 0, 1, 0, List.of(),
                new DeploymentInfo.Gating(0, gate, Verdict.PASS, "passed"), 1, 1)), List.of());
        String running = started("web/prod");
        String other = started("api/prod");
        ended(other);
        for (int k = 0; k < Monitors.KEEP_ENDED + 5; k++) {
            String id = started("web/prod");
            ended(id);
            web.add(id);
        }
        state.removed().clear();
        String last = started("web/prod");

        List<String> kept = state.monitors().of("web/prod").stream().map(MonitorReport::id).toList();
        List<String> endedKept = state.monitors().of("web/prod").stream().filter(r -> !r.running() && !r.id().equals(gate)).map(MonitorReport::id).toList();
        assertThat(endedKept).as("the latest ended ones, oldest gone first").containsExactlyElementsOf(web.subList(web.size() - Monitors.KEEP_ENDED + 1,
                web.size()));
        assertThat(kept).contains(gate, running, last);
        assertThat(state.monitors().getOrNull(other)).as("another service's report is its own").isNotNull();
        String gone = web.get(web.size() - Monitors.KEEP_ENDED);
        assertThat(state.monitors().getOrNull(gone)).isNull();
        assertThat(state.removed()).as("removed from the store too, with its points").contains(gone, gone + "/points/0/0");
        assertThat(state.monitors().row(gate + "/points/0/0")).as("a kept report keeps its points").isNotNull();
        assertThat(state.monitors().row(gone + "/points/0/0")).as("a removed one's go with it").isNull();
    }
}
