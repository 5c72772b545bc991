package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request's {@code regex} constraint is a tenant's pattern run by placement, on the thread that
 * owns the state, against every agent's attribute: one that backtracks without end (hours on a
 * 40-character value) must not stall the allocator. Its work is bounded; the pattern then
 * matches no agent, and the request says why.
 */
class RegexConstraintTest {
    private LiveServer s;
    private final OkHttpClient quick = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() {
        s = new LiveServer();
        LiveServer.Reply r = s.post("/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"8g\",\"ports\":\"21000-21100\","
                + "\"attributes\":{\"rack\":\"" + "r".repeat(40) + "\"}}");
        assertThat(r.code()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private JsonNode quickly(String method, String path, String body) throws Exception {
        Request.Builder b = new Request.Builder().url(s.server.url() + path).header("Authorization", "Bearer " + s.admin());
        b.method(method, body == null ? null : okhttp3.RequestBody.create(body, LiveServer.JSON));
        try (Response resp = quick.newCall(b.build()).execute()) {
            assertThat(resp.code()).as("%s %s", method, path).isLessThan(300);
            return Json.MAPPER.readTree(resp.body().string());
        }
    }

    @Test
    void a_pattern_that_backtracks_without_end_matches_no_agent_says_why_and_stalls_nothing() throws Exception {
        JsonNode costly = quickly("POST", "/v1/requests", "{\"cpus\":\"1\",\"memory\":\"1g\",\"constraints\":[{\"attribute\":\"rack\",\"op\":\"regex\","
                + "\"value\":\"((r+)+)+Z\"}]}");
        assertThat(costly.path("state").asText()).isEqualTo("PENDING");

        // the state's owner goes on: a read, and a request that places
        assertThat(quickly("GET", "/v1/status", null).isObject()).isTrue();
        JsonNode plain = quickly("POST", "/v1/requests", "{\"cpus\":\"1\",\"memory\":\"1g\",\"constraints\":[{\"attribute\":\"rack\",\"op\":\"regex\","
                + "\"value\":\"^r+$\"}]}");
        assertThat(plain.path("state").asText()).isEqualTo("PLACED");

        JsonNode why = quickly("GET", "/v1/requests/" + costly.path("id").asText(), null);
        assertThat(why.toString()).contains("((r+)+)+Z").contains("backtracks without end");
    }

    /**
     * A pattern within its budget per value may still read thousands of characters of each: over
     * many agents that adds up on the owner thread. A role's patterns read at most
     * {@link dev.steward.allocator.placement.RegexWork#PER_ROLE_PER_CYCLE} characters per
     * scheduling cycle; the agents not reached are reached by follow-up cycles, queued behind other
     * commands, until the one that matches is found. The cluster is quiet: no release and no join
     * wakes the request, so without the follow-ups it would wait for ever.
     */
    @Test
    void a_costly_pattern_over_many_agents_goes_on_over_several_cycles_by_itself_and_places_where_it_matches() throws Exception {
        int agents = 300;
        for (int i = 0; i < agents; i++) {
            String host = i == agents - 1 ? "host-last=" : "host-" + String.format("%06d", i) + "-";
            host = host + "r".repeat(40 - host.length());
            LiveServer.Reply r = s.post("/v1/agents", s.server.joinToken(), "{\"name\":\"h" + i + "\",\"cpus\":\"4\",\"memory\":\"8g\","
                    + "\"ports\":\"21000-21100\",\"attributes\":{\"host\":\"" + host + "\"}}");
            assertThat(r.code()).isEqualTo(201);
        }
        long cyclesBefore = cycles();
        long followUpsBefore = metric("steward_scheduler_followups_total");
        // '.*.{0,4}=' reads about 8,400 characters of a 40-character value with no '=': about 119 agents' worth per cycle
        JsonNode waiting = quickly("POST", "/v1/requests", "{\"cpus\":\"1\",\"memory\":\"1g\",\"constraints\":[{\"attribute\":\"host\",\"op\":\"regex\","
                + "\"value\":\".*.{0,4}=\"}]}");
        String id = waiting.path("id").asText();
        org.awaitility.Awaitility.await("the request placed with no release or join to wake it").atMost(Duration.ofSeconds(30))
                .until(() -> quickly("GET", "/v1/requests/" + id, null).path("state").asText().equals("PLACED"));
        JsonNode placed = quickly("GET", "/v1/requests/" + id, null);
        JsonNode alloc = quickly("GET", "/v1/allocations/" + placed.path("allocations").get(0).asText(), null);
        assertThat(alloc.path("agentName").asText()).as("the one agent whose host matches").isEqualTo("h" + (agents - 1));
        // 300 agents at about 8,400 characters each is 2.5 million characters: three cycles at least, the first the request's own
        assertThat(cycles() - cyclesBefore).as("scheduling cycles from the request to its placement").isGreaterThanOrEqualTo(3);
        assertThat(metric("steward_scheduler_followups_total") - followUpsBefore).as("follow-up cycles, counted for the operator").isGreaterThanOrEqualTo(2);
    }

    /** How many scheduling cycles the allocator has run, from its metrics. */
    private long cycles() throws Exception {
        return metric("steward_scheduler_cycle_duration_seconds_count");
    }

    /** A metric's value, from the allocator's /metrics. */
    private long metric(String name) throws Exception {
        String m;
        try (Response resp = quick.newCall(new Request.Builder().url(s.server.url() + "/metrics").header("Authorization", "Bearer " + s.admin()).build()).execute()) {
            m = resp.body().string();
        }
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(m);
        assertThat(x.find()).as("%s in /metrics", name).isTrue();
        return (long) Double.parseDouble(x.group(1));
    }
}
