package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A role written on a condition, over real HTTP: {@code If-None-Match: *} makes one only if there
 * is none, {@code If-Match: "N"} changes it only if it is still as read at index N. Two admins
 * who each read the role and write back their change (as {@code steward roles set} does) cannot
 * undo each other's: the second gets a 412 that says what happened, and nothing is written.
 */
class RoleConditionalPutTest {
    private static LiveServer s;

    @BeforeAll
    static void start() {
        s = new LiveServer();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static LiveServer.Reply put(String role, String body, Map<String, String> headers) {
        return s.call("PUT", "/v1/roles/" + role, s.admin(), body, headers);
    }

    @Test
    void a_role_is_made_only_if_there_is_none() {
        LiveServer.Reply made = put("team-a", "{\"weight\":2}", Map.of("If-None-Match", "*"));
        assertThat(made.code()).as("%s", made.body()).isEqualTo(200);
        LiveServer.Reply again = put("team-a", "{\"weight\":5}", Map.of("If-None-Match", "*"));
        assertThat(again.code()).isEqualTo(412);
        assertThat(again.contentType()).isEqualTo("application/problem+json");
        assertThat(again.body().path("detail").asText()).startsWith("role 'team-a' exists already").contains("nothing was changed");
        assertThat(s.get("/v1/roles/team-a", s.admin()).body().path("weight").asDouble()).isEqualTo(2.0);
    }

    @Test
    void a_change_made_on_a_role_read_before_another_change_is_refused_and_writes_nothing() {
        assertThat(put("team-b", "{\"weight\":1}", Map.of()).code()).isEqualTo(200);
        long read = s.get("/v1/roles/team-b", s.admin()).body().path("modifyIndex").asLong();
        // two admins read it at the same index; the first writes its change
        LiveServer.Reply first = put("team-b", "{\"weight\":3}", Map.of("If-Match", "\"" + read + "\""));
        assertThat(first.code()).as("%s", first.body()).isEqualTo(200);
        long now = first.body().path("modifyIndex").asLong();
        assertThat(now).isGreaterThan(read);
        // the second writes on what it read: refused, naming both indexes, and the first change stays
        LiveServer.Reply second = put("team-b", "{\"weight\":1,\"maxPriority\":40}", Map.of("If-Match", "\"" + read + "\""));
        assertThat(second.code()).isEqualTo(412);
        assertThat(second.body().path("detail").asText()).isEqualTo("role 'team-b' was changed at index " + now + ", after it was read at " + read
                + "; nothing was changed: read it again and make the change on what it is now");
        var role = s.get("/v1/roles/team-b", s.admin()).body();
        assertThat(role.path("weight").asDouble()).isEqualTo(3.0);
        assertThat(role.path("maxPriority").asInt()).isEqualTo(1000);
        assertThat(role.path("modifyIndex").asLong()).isEqualTo(now);
        // read again, changed again: written (a weak or bare index reads the same)
        assertThat(put("team-b", "{\"weight\":3,\"maxPriority\":40}", Map.of("If-Match", "W/\"" + now + "\"")).code()).isEqualTo(200);
        assertThat(s.get("/v1/roles/team-b", s.admin()).body().path("maxPriority").asInt()).isEqualTo(40);
    }

    @Test
    void a_condition_on_a_role_that_is_gone_or_malformed_is_refused() {
        LiveServer.Reply none = put("nobody-here", "{\"weight\":1}", Map.of("If-Match", "\"7\""));
        assertThat(none.code()).isEqualTo(412);
        assertThat(none.body().path("detail").asText()).isEqualTo("role 'nobody-here' no longer exists; nothing was changed");
        assertThat(s.get("/v1/roles/nobody-here", s.admin()).code()).isEqualTo(404);
        LiveServer.Reply bad = put("team-c", "{\"weight\":1}", Map.of("If-Match", "yesterday"));
        assertThat(bad.code()).isEqualTo(400);
        assertThat(bad.body().path("field").asText()).isEqualTo("If-Match");
        LiveServer.Reply both = put("team-c", "{\"weight\":1}", Map.of("If-Match", "\"3\"", "If-None-Match", "*"));
        assertThat(both.code()).isEqualTo(400);
        assertThat(both.body().path("field").asText()).isEqualTo("If-None-Match");
        assertThat(s.get("/v1/roles/team-c", s.admin()).code()).as("nothing was made").isEqualTo(404);
    }
}
