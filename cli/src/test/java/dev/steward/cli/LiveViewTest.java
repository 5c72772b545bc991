package dev.steward.cli;

import dev.steward.api.CanaryStep;
import dev.steward.api.DeploymentEvent;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RolloutSpec;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The terminal's live view of a rollout: what one frame shows, and how the next one replaces it. */
class LiveViewTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static InstanceInfo instance(String id, int rev, InstanceState state) {
        return new InstanceInfo(id, "webapp/staging", rev, null, null, state, null, "a-" + id, "t-" + id, "dev", "127.0.0.1", Map.of("http", 20001),
                null, null, null, false, T, null, null, T, 1, 1);
    }

    @Test
    void aFrameShowsTheStepBothRevisionsTheInstancesAndTheLastEvents() {
        RolloutSpec canary = new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("34%", "promote", null), new CanaryStep("100%", null, null)),
                null, null, null, null, null).validate(3);
        List<DeploymentEvent> events = new ArrayList<>();
        for (int k = 1; k <= 8; k++) {
            events.add(new DeploymentEvent(k, T.plusSeconds(k), "event " + k));
        }
        DeploymentInfo d = new DeploymentInfo("d-1", "webapp/staging", 2, 1, 1, canary, DeploymentState.PAUSED, 0, null, "me", T, T, T, null, T, 1, null,
                3, 3, 1, 3, 1, 8, events, null, 1, 1);
        List<String> frame = LiveView.render(d, List.of(instance("old1", 1, InstanceState.HEALTHY), instance("new1", 2, InstanceState.STARTING),
                new InstanceInfo("gone", "webapp/staging", 1, null, null, InstanceState.STOPPED, null, null, null, null, null, Map.of(), null, null, null,
                        false, T, T, null, null, 1, 1)), Map.of("dev", "m1"));
        assertThat(frame.get(0)).contains("d-1").contains("PAUSED since " + java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")
                .withZone(java.time.ZoneId.systemDefault()).format(T)).contains("canary").contains("step 1 of 2 (34%)");
        assertThat(frame.get(1)).contains("revision 2 (new) 1/1 available").contains("revision 1 (old) 3/3 available").contains("want 3");
        assertThat(String.join("\n", frame)).contains("new1").contains("STARTING").contains("old1").doesNotContain("gone");
        assertThat(frame).filteredOn(l -> l.contains("new1")).singleElement().asString().as("the agent by the name a drain takes")
                .matches("  new1 +2 +STARTING +m1 +127\\.0\\.0\\.1 \\{http=20001\\}");
        assertThat(frame).filteredOn(l -> l.contains("event ")).as("the last five events, oldest first").hasSize(5)
                .first().asString().endsWith("event 4");
        assertThat(frame.get(frame.size() - 1)).endsWith("event 8");
    }

    @Test
    void theStatusLineOfAPausedRolloutSaysSinceWhen() {
        RolloutSpec canary = new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("34%", "promote", null)), null, null, null, null, null)
                .validate(3);
        DeploymentInfo paused = new DeploymentInfo("d-1", "webapp/staging", 2, 1, 1, canary, DeploymentState.PAUSED, 0, null, "me", T, T, T, null, T, 1,
                null, 3, 3, 1, 3, 1, 0, List.of(), null, 1, 1);
        String at = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss").withZone(java.time.ZoneId.systemDefault()).format(T);
        assertThat(Rollout.status(paused)).isEqualTo("[PAUSED] revision 2: new 1/1 available, old 3/3 available, want 3, canary step 1 of 1, paused since "
                + at);
        DeploymentInfo running = new DeploymentInfo("d-1", "webapp/staging", 2, 1, 1, canary, DeploymentState.RUNNING, 0, null, "me", T, T, T, null, null,
                1, null, 3, 3, 1, 3, 1, 0, List.of(), null, 1, 1);
        assertThat(Rollout.status(running)).doesNotContain("paused");
    }

    @Test
    void anEndedDeploymentWithNoLiveInstanceHasNoTableHeader() {
        DeploymentInfo ended = new DeploymentInfo("d-1", "webapp/staging", 2, 1, 1, null, DeploymentState.ROLLED_BACK, 0, "instance x failed", "me", T, T, T,
                null, null, 1, null, 2, 0, 0, 2, 2, 1, List.of(new DeploymentEvent(1, T, "rolled back")), null, 1, 1);
        List<String> frame = LiveView.render(ended, List.of(), Map.of());
        assertThat(frame).noneMatch(l -> l.contains("INSTANCE"));
        assertThat(frame.get(frame.size() - 1)).endsWith("rolled back");
    }

    @Test
    void theNextFrameMovesBackOverThePreviousOneAndLongLinesAreCut() {
        assertThat(LiveView.redraw(0, List.of("a", "b"), 80)).isEqualTo("a\nb\n");
        assertThat(LiveView.redraw(2, List.of("c"), 80)).isEqualTo("\u001b[2A\r\u001b[Jc\n");
        assertThat(LiveView.redraw(0, List.of("x".repeat(100)), 40)).isEqualTo("x".repeat(39) + "\n");
    }
}
