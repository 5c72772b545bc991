package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each running monitor scrapes every instance of its service at its interval (200 ms at the
 * least), so one role may run at most {@link dev.steward.allocator.state.RoleBounds#maxRunningMonitors}
 * at once (32 unless the server says otherwise): the next is refused with a 409 that says so and
 * what to do; a monitor that ends gives its place back; another role's monitors are not counted.
 */
class MonitorLimitTest {
    private static final int MAX_RUNNING_MONITORS_PER_ROLE = dev.steward.allocator.state.RoleBounds.DEFAULTS.maxRunningMonitors();
    private static final String SPEC = "{\"gates\":[\"restarts <= 2\"],\"duration\":\"1h\",\"interval\":\"10s\"}";
    private LiveServer s;

    @BeforeEach
    void start() {
        s = new LiveServer();
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private String role(String name) {
        s.put("/v1/roles/" + name, s.admin(), "{\"weight\":1}");
        String token = s.post("/v1/roles/" + name + "/tokens", s.admin(), "{}").body().path("token").asText();
        String digest = s.uploadScript("sleep 3600", token);
        assertThat(s.put("/v1/services/web/" + name, token, "{\"packageDigest\":\"" + digest + "\",\"instances\":0,\"cpus\":\"0.1\",\"memory\":\"16m\"}")
                .code()).isEqualTo(201);
        return token;
    }

    @Test
    void a_role_runs_at_most_its_share_of_monitors_at_once() {
        String ra = role("ra");
        String rb = role("rb");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MAX_RUNNING_MONITORS_PER_ROLE; i++) {
            LiveServer.Reply r = s.post("/v1/services/web/ra/monitors", ra, SPEC);
            assertThat(r.code()).as("monitor %d: %s", i, r.body()).isEqualTo(201);
            ids.add(r.body().path("id").asText());
        }
        LiveServer.Reply refused = s.post("/v1/services/web/ra/monitors", ra, SPEC);
        assertThat(refused.code()).isEqualTo(409);
        assertThat(refused.body().path("detail").asText()).contains("role 'ra' has " + MAX_RUNNING_MONITORS_PER_ROLE + " monitors running")
                .contains("steward monitor stop");
        assertThat(s.get("/v1/monitors", ra).body().size()).as("nothing more was started").isEqualTo(MAX_RUNNING_MONITORS_PER_ROLE);

        assertThat(s.post("/v1/services/web/rb/monitors", rb, SPEC).code()).as("another role's are its own").isEqualTo(201);
        assertThat(s.post("/v1/monitors/" + ids.get(0) + "/stop", ra, null).code()).isEqualTo(200);
        assertThat(s.post("/v1/services/web/ra/monitors", ra, SPEC).code()).as("a place given back").isEqualTo(201);
    }

    @Test
    void the_bound_is_the_servers_to_set() {
        s.close();
        s = new LiveServer(c -> c.withBounds(c.bounds().withMaxRunningMonitors(2)));
        String ra = role("ra");
        assertThat(s.post("/v1/services/web/ra/monitors", ra, SPEC).code()).isEqualTo(201);
        assertThat(s.post("/v1/services/web/ra/monitors", ra, SPEC).code()).isEqualTo(201);
        LiveServer.Reply refused = s.post("/v1/services/web/ra/monitors", ra, SPEC);
        assertThat(refused.code()).isEqualTo(409);
        assertThat(refused.body().path("detail").asText()).contains("role 'ra' has 2 monitors running").contains("--max-monitors-per-role");
    }
}
