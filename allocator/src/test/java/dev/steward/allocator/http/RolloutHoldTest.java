package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP, with two agents played by the test: a canary waits for its promote (a pipeline's
 * input step can wait for days) and one agent dies, or is drained. Before, nothing replaced what
 * died with it, and nothing moved off the draining one, until a person promoted or aborted: the
 * service ran short, or the drain never ended, all that time. Now each revision gets back the count
 * it had on the agent left, a drain moves without a gap, and the canary still waits. A canary in a
 * timed step (an hour) moves its own instance off a draining agent at once, and its step goes on.
 */
class RolloutHoldTest {
    @Test
    void a_canary_waiting_for_its_promote_replaces_what_dies_with_an_agent_by_its_own_revision() throws Exception {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofSeconds(2)))) {
            String[] m1 = s.agent("m1", "4", "4g");
            String[] m2 = s.agent("m2", "4", "4g");
            String id = waitingCanary(s, m1, m2);
            List<String> onM1 = new ArrayList<>();
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (i.path("agentId").asText().equals(m1[0]) && !i.path("stopRequested").asBoolean() && !i.path("state").asText().equals("STOPPED")) {
                    onM1.add(i.path("id").asText());
                }
            }
            assertThat(onM1).as("the scheduler put something on m1").isNotEmpty();
            await().atMost(Duration.ofSeconds(90)).until(() -> { // m1 falls silent; m2 goes on
                s.alive(m2);
                long lost = 0;
                for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                    lost += onM1.contains(i.path("id").asText()) && i.path("state").asText().equals("LOST") ? 1 : 0;
                }
                return lost == onM1.size() && live(s, 1, "HEALTHY") == 2 && live(s, 2, "HEALTHY") == 1;
            });
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (!i.path("state").asText().equals("LOST") && !i.path("stopRequested").asBoolean()) {
                    assertThat(i.path("agentId").asText()).as("every live instance is on m2 now: %s", i).isEqualTo(m2[0]);
                }
            }
            JsonNode d = s.get("/v1/deployments/" + id, s.admin()).body();
            assertThat(d.path("state").asText()).as("the canary still waits for its promote").isEqualTo("PAUSED");
            assertThat(d.path("pausedAt").asText()).isNotBlank();
            List<String> said = d.path("events").findValuesAsText("message");
            for (String gone : onM1) {
                assertThat(said).as("the log says what replaced %s and why", gone).anyMatch(m -> m.contains(": replaces " + gone + " (lost: ")
                        && (m.contains("revision 1 keeps its count until the canary is promoted")
                        || m.contains("the deployment is paused: revision 2 keeps its count until it resumes")));
            }
        }
    }

    @Test
    void a_drain_under_a_canary_waiting_for_its_promote_moves_every_instance_without_a_gap() throws Exception {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofSeconds(30)))) {
            String[] m1 = s.agent("m1", "4", "4g");
            String[] m2 = s.agent("m2", "4", "4g");
            String id = waitingCanary(s, m1, m2);
            assertThat(on(s, m1[0])).as("the scheduler put something on m1").isNotEmpty();
            assertThat(s.post("/v1/agents/" + m1[0] + "/drain", s.admin(), null).code()).isEqualTo(200);
            List<Long> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                s.alive(m1, m2);
                seen.add(live(s, 1, "HEALTHY") + live(s, 2, "HEALTHY"));
                return on(s, m1[0]).isEmpty() && live(s, 1, "HEALTHY") == 2 && live(s, 2, "HEALTHY") == 1;
            });
            assertThat(seen).as("available instances at each look while the drain moved them").allMatch(n -> n >= 3);
            JsonNode d = s.get("/v1/deployments/" + id, s.admin()).body();
            assertThat(d.path("state").asText()).as("the canary still waits for its promote").isEqualTo("PAUSED");
            assertThat(d.path("events").findValuesAsText("message")).anyMatch(m -> m.contains(" (its agent is draining); ")
                    && (m.contains("revision 1 keeps its count until the canary is promoted")
                    || m.contains("the deployment is paused: revision 2 keeps its count until it resumes")));
            List<String> movedFrom = new ArrayList<>();
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (!i.path("movedFrom").isNull() && !i.path("movedFrom").isMissingNode()) {
                    movedFrom.add(i.path("movedFrom").asText());
                }
            }
            assertThat(movedFrom).as("each new instance names the one it took over from").isNotEmpty();
        }
    }

    @Test
    void a_drain_under_a_canary_in_a_timed_step_moves_the_canary_and_the_step_goes_on() throws Exception {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofSeconds(30)))) {
            String[] m1 = s.agent("m1", "4", "4g");
            String[] m2 = s.agent("m2", "4", "4g");
            String id = canary(s, m1, m2, "1h", "RUNNING");
            JsonNode before = s.get("/v1/deployments/" + id, s.admin()).body();
            assertThat(before.path("pausedUntil").asText()).as("the step's hour runs").isNotBlank();
            String canary = null;
            String host = null;
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (i.path("revision").asInt() == 2 && i.path("state").asText().equals("HEALTHY")) {
                    canary = i.path("id").asText();
                    host = i.path("agentId").asText();
                }
            }
            String[] other = host.equals(m1[0]) ? m2 : m1;
            assertThat(s.post("/v1/agents/" + host + "/drain", s.admin(), null).code()).isEqualTo(200);
            String drained = host;
            List<Long> seen = new ArrayList<>();
            // the one taking over is placed; until the agents play it, both run
            await().atMost(Duration.ofSeconds(30)).until(() -> live(s, 2, null) == 2);
            // before, the deployment counted both while the move ran: 2 of a canary step of 1
            assertThat(s.get("/v1/deployments/" + id, s.admin()).body().path("newInstances").asInt()).as("the deployment counts a move once")
                    .isEqualTo(1);
            // before, the canary stayed on the draining agent for the step's whole hour
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                s.alive(m1, m2);
                seen.add(live(s, 2, "HEALTHY"));
                return on(s, drained).stream().noneMatch(i -> !isOld(s, i)) && live(s, 2, "HEALTHY") == 1;
            });
            assertThat(seen).as("the canary serves at each look while it moves").allMatch(n -> n >= 1);
            String moved = null;
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (i.path("revision").asInt() == 2 && i.path("state").asText().equals("HEALTHY") && !i.path("stopRequested").asBoolean()) {
                    moved = i.path("movedFrom").asText();
                    assertThat(i.path("agentId").asText()).isEqualTo(other[0]);
                }
            }
            assertThat(moved).as("the canary elsewhere names the one it took over from").isEqualTo(canary);
            JsonNode d = s.get("/v1/deployments/" + id, s.admin()).body();
            assertThat(d.path("state").asText()).isEqualTo("RUNNING");
            assertThat(d.path("step").asInt()).as("still the first step").isZero();
            assertThat(d.path("pausedUntil").asText()).as("its hour is not restarted").isEqualTo(before.path("pausedUntil").asText());
        }
    }

    private static boolean isOld(LiveServer s, String instance) {
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            if (i.path("id").asText().equals(instance)) {
                return i.path("revision").asInt() == 1;
            }
        }
        return false;
    }

    /** The live instances (not ended, not asked to stop) on agent {@code agentId}. */
    private static List<String> on(LiveServer s, String agentId) {
        List<String> out = new ArrayList<>();
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            String st = i.path("state").asText();
            if (i.path("agentId").asText().equals(agentId) && !i.path("stopRequested").asBoolean() && !st.equals("STOPPED") && !st.equals("LOST")
                    && !st.equals("FAILED")) {
                out.add(i.path("id").asText());
            }
        }
        return out;
    }

    /** web/prod: 2 instances of revision 1, then a canary of 1 of revision 2 waiting for its promote; returns the deployment's id. */
    private static String waitingCanary(LiveServer s, String[] m1, String[] m2) {
        return canary(s, m1, m2, "promote", "PAUSED");
    }

    /** web/prod: 2 instances of revision 1, then a canary of 1 of revision 2 whose step pauses {@code pause}, once it is in {@code state}. */
    private static String canary(LiveServer s, String[] m1, String[] m2, String pause, String state) {
        String v1 = s.uploadScript("sleep 3600");
        String v2 = s.uploadScript("sleep 3601");
        String spec = ",\"instances\":2,\"cpus\":\"1\",\"memory\":\"64m\",\"minHealthyTime\":\"0s\"";
        assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v1 + "\"" + spec + "}").code()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            s.alive(m1, m2);
            return live(s, 1, "HEALTHY") == 2;
        });
        LiveServer.Reply rolled = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v2 + "\"" + spec
                + ",\"strategy\":\"canary\",\"steps\":[{\"weight\":\"1\",\"pause\":\"" + pause + "\"}]}");
        assertThat(rolled.code()).as("%s", rolled.body()).isEqualTo(201);
        String id = rolled.body().path("deployment").path("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            s.alive(m1, m2);
            JsonNode d = s.get("/v1/deployments/" + id, s.admin()).body();
            return d.path("state").asText().equals(state) && (state.equals("PAUSED") || d.hasNonNull("pausedUntil")) && live(s, 2, "HEALTHY") == 1;
        });
        return id;
    }

    /** Instances of {@code revision} not ended and not asked to stop, in {@code state} if it is given. */
    private static long live(LiveServer s, int revision, String state) {
        long n = 0;
        for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
            String st = i.path("state").asText();
            boolean ended = st.equals("STOPPED") || st.equals("FAILED") || st.equals("LOST");
            n += i.path("revision").asInt() == revision && !ended && !i.path("stopRequested").asBoolean() && (state == null || st.equals(state)) ? 1 : 0;
        }
        return n;
    }
}
