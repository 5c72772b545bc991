package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code DELETE /v1/services/APP/ENV} over real HTTP, with an agent played by the test: the
 * instances stop (tasks stopped, allocations released, pending requests cancelled), the running
 * deployment is aborted and the monitors stopped, and once the last instance has ended the
 * service is gone with everything it kept; its name is free again. Nothing is deployed to it
 * meanwhile; another role cannot delete it; the deletion goes on across a restart; and a role
 * has at most {@code --max-services-per-role} services, deleting one giving its place back.
 */
class ServiceDeleteTest {
    private static final String SPEC = ",\"cpus\":\"0.1\",\"memory\":\"16m\",\"minHealthyTime\":\"0s\"";

    @Test
    void a_running_service_stops_everything_it_runs_and_is_then_forgotten() {
        try (LiveServer s = new LiveServer(c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
            String v1 = s.uploadScript("sleep 3600");
            String v2 = s.uploadScript("sleep 3601");
            String[] m1 = s.agent("m1", "4", "4g");
            assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v1 + "\",\"instances\":2" + SPEC + "}").code()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/prod", s.admin()).body().path("available").asInt() == 2;
            });
            // a second rollout runs (its instances are asked for, not yet played), and a monitor watches
            LiveServer.Reply rollout = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v2 + "\",\"instances\":2" + SPEC + "}");
            String deployment = rollout.body().path("deployment").path("id").asText();
            assertThat(rollout.body().path("deployment").path("state").asText()).isEqualTo("RUNNING");
            LiveServer.Reply mon = s.post("/v1/services/web/prod/monitors", s.admin(), "{\"gates\":[\"restarts <= 2\"],\"duration\":\"1h\",\"interval\":\"1s\"}");
            assertThat(mon.code()).as("%s", mon.body()).isEqualTo(201);
            String monitor = mon.body().path("id").asText();
            List<String> allocations = new ArrayList<>();
            for (JsonNode i : s.get("/v1/services/web/prod/instances", s.admin()).body()) {
                if (!i.path("allocationId").isNull() && !i.path("allocationId").isMissingNode()) {
                    allocations.add(i.path("allocationId").asText());
                }
            }
            assertThat(allocations).isNotEmpty();

            LiveServer.Reply del = s.call("DELETE", "/v1/services/web/prod", s.admin(), null);
            assertThat(del.code()).as("its instances still stop: %s", del.body()).isEqualTo(202);
            assertThat(del.body().path("deletingSince").asText()).isNotBlank();
            assertThat(del.body().path("instances").asInt()).isZero();
            assertThat(del.body().path("stopping").asInt()).as("v1's two and v2's first").isGreaterThanOrEqualTo(3);
            assertThat(del.body().path("running").asInt()).isZero();
            JsonNode aborted = s.get("/v1/deployments/" + deployment, s.admin()).body();
            assertThat(aborted.path("state").asText()).isEqualTo("ABORTED");
            assertThat(aborted.path("reason").asText()).contains("being deleted by");
            JsonNode stopped = s.get("/v1/monitors/" + monitor, s.admin()).body();
            assertThat(stopped.path("running").asBoolean()).isFalse();
            assertThat(stopped.path("verdict").asText()).isEqualTo("INCONCLUSIVE");
            assertThat(stopped.path("reason").asText()).contains("being deleted");
            assertThat(s.call("DELETE", "/v1/services/web/prod", s.admin(), null).code()).as("asked again while it stops").isEqualTo(202);

            LiveServer.Reply meanwhile = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v1 + "\",\"instances\":1" + SPEC + "}");
            assertThat(meanwhile.code()).isEqualTo(409);
            assertThat(meanwhile.body().path("detail").asText()).contains("web/prod is being deleted").contains("still stopping");
            assertThat(s.post("/v1/services/web/prod/rollback", s.admin(), null).code()).isEqualTo(409);
            assertThat(s.post("/v1/services/web/prod/monitors", s.admin(), "{\"gates\":[\"restarts <= 2\"],\"duration\":\"1h\"}").code()).isEqualTo(409);
            assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("instances").asInt()).as("the refused deploy changed nothing").isZero();

            await().atMost(Duration.ofSeconds(60)).until(() -> {
                s.play(m1);
                return s.get("/v1/services/web/prod", s.admin()).code() == 404;
            });
            for (JsonNode t : s.get("/v1/agents/" + m1[0] + "/tasks", m1[1]).body()) {
                assertThat(t.path("state").asText()).as("every task was stopped: %s", t).isIn("KILLED", "FINISHED", "FAILED", "LOST");
            }
            for (String a : allocations) {
                assertThat(s.get("/v1/allocations/" + a, s.admin()).body().path("state").asText()).as("allocation %s", a).isNotIn("ACTIVE", "LEAVING");
            }
            assertThat(s.get("/v1/deployments/" + deployment, s.admin()).code()).isEqualTo(404);
            assertThat(s.get("/v1/monitors/" + monitor, s.admin()).code()).isEqualTo(404);
            assertThat(s.get("/v1/monitors", s.admin()).code()).as("no report is left of a service that is gone").isEqualTo(200);
            assertThat(s.get("/v1/services", s.admin()).body().size()).isZero();
            assertThat(s.call("DELETE", "/v1/services/web/prod", s.admin(), null).code()).isEqualTo(404);

            LiveServer.Reply again = s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + v1 + "\",\"instances\":1" + SPEC + "}");
            assertThat(again.code()).as("the name is free: %s", again.body()).isEqualTo(201);
            assertThat(again.body().path("revision").path("number").asInt()).as("a new service").isEqualTo(1);
        }
    }

    @Test
    void a_service_with_nothing_placed_is_gone_at_once_and_another_role_cannot_delete_it() {
        try (LiveServer s = new LiveServer()) {
            String ra = role(s, "ra");
            String rb = role(s, "rb");
            String digest = s.uploadScript("sleep 3600", ra);
            assertThat(s.put("/v1/services/web/staging", ra, "{\"packageDigest\":\"" + digest + "\",\"instances\":3" + SPEC + "}").code()).isEqualTo(201);
            List<String> requests = s.get("/v1/services/web/staging/instances", ra).body().findValuesAsText("requestId");
            assertThat(requests).hasSize(3);

            LiveServer.Reply other = s.call("DELETE", "/v1/services/web/staging", rb, null);
            assertThat(other.code()).as("another role's service is not there: %s", other.body()).isEqualTo(404);
            JsonNode still = s.get("/v1/services/web/staging", ra).body();
            assertThat(still.path("instances").asInt()).isEqualTo(3);
            assertThat(still.has("deletingSince")).as("not being deleted: %s", still).isFalse();

            LiveServer.Reply del = s.call("DELETE", "/v1/services/web/staging", ra, null);
            assertThat(del.code()).as("nothing ran: gone at once: %s", del.body()).isEqualTo(200);
            assertThat(del.body().path("deletingSince").asText()).isNotBlank();
            assertThat(s.get("/v1/services/web/staging", ra).code()).isEqualTo(404);
            for (String r : requests) {
                assertThat(s.get("/v1/requests/" + r, ra).body().path("state").asText()).isEqualTo("CANCELLED");
            }
        }
    }

    @Test
    void a_deletion_goes_on_after_the_allocator_restarts() throws Exception {
        Path dir = Files.createTempDirectory("steward-service-delete");
        try {
            String[] m1;
            try (LiveServer s = new LiveServer(dir, c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
                String digest = s.uploadScript("sleep 3600");
                m1 = s.agent("m1", "4", "4g");
                assertThat(s.put("/v1/services/web/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"instances\":2" + SPEC + "}").code())
                        .isEqualTo(201);
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    s.play(m1);
                    return s.get("/v1/services/web/prod", s.admin()).body().path("available").asInt() == 2;
                });
                assertThat(s.call("DELETE", "/v1/services/web/prod", s.admin(), null).code()).isEqualTo(202);
            }
            try (LiveServer s = new LiveServer(dir, c -> c.withHeartbeatGrace(Duration.ofMinutes(10)))) {
                assertThat(s.get("/v1/services/web/prod", s.admin()).body().path("deletingSince").asText()).as("still being deleted").isNotBlank();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    s.play(m1);
                    return s.get("/v1/services/web/prod", s.admin()).code() == 404;
                });
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * A delete that ends at once and a deploy of the same name can land in one write (commands
     * batched together): the new service's rows share ids with the deleted one's ("web/prod",
     * "web/prod#1"), and the store applied the batch's removals after its rows, so the new service
     * was gone after a restart.
     */
    @Test
    void a_service_deleted_and_made_again_in_one_write_is_there_after_a_restart() throws Exception {
        Path dir = Files.createTempDirectory("steward-service-redeploy");
        try {
            String digest;
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                digest = s.uploadScript("sleep 3600");
                String body = "{\"packageDigest\":\"" + digest + "\",\"instances\":1" + SPEC + "}";
                assertThat(s.put("/v1/services/web/prod", s.admin(), body).code()).isEqualTo(201);
                dev.steward.api.DeployRequest again = dev.steward.allocator.Json.MAPPER.readValue(body, dev.steward.api.DeployRequest.class);
                s.server.engine().command((st, now) -> {
                    assertThat(st.services().delete("web/prod", "test", now)).as("nothing was placed: gone at once").isTrue();
                    return st.services().deploy("web", "prod", "default", again, "test", now);
                }).get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(s.get("/v1/services/web/prod", s.admin()).code()).isEqualTo(200);
            }
            try (LiveServer s = new LiveServer(dir, c -> c)) {
                LiveServer.Reply svc = s.get("/v1/services/web/prod", s.admin());
                assertThat(svc.code()).as("the service made again is stored: %s", svc.body()).isEqualTo(200);
                assertThat(s.get("/v1/services/web/prod/revisions", s.admin()).body().size()).isEqualTo(1);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void a_role_has_at_most_its_bound_of_services_and_a_deleted_one_gives_its_place_back() {
        try (LiveServer s = new LiveServer(c -> c.withMaxServicesPerRole(2))) {
            String ra = role(s, "ra");
            String rb = role(s, "rb");
            String digest = s.uploadScript("sleep 3600", ra);
            String body = "{\"packageDigest\":\"" + digest + "\",\"instances\":1" + SPEC + "}";
            assertThat(s.put("/v1/services/web/a", ra, body).code()).isEqualTo(201);
            assertThat(s.put("/v1/services/web/b", ra, body).code()).isEqualTo(201);
            LiveServer.Reply third = s.put("/v1/services/web/c", ra, body);
            assertThat(third.code()).isEqualTo(409);
            assertThat(third.body().path("detail").asText()).contains("role 'ra' has 2 services").contains("--max-services-per-role is 2")
                    .contains("steward services delete");
            assertThat(s.get("/v1/services/web/c", ra).code()).as("nothing was made").isEqualTo(404);
            LiveServer.Reply scaled = s.put("/v1/services/web/b", ra, "{\"packageDigest\":\"" + digest + "\",\"instances\":2" + SPEC + "}");
            assertThat(scaled.code()).as("one it has still scales: %s", scaled.body()).isBetween(200, 201);
            assertThat(scaled.body().path("message").asText()).contains("scaled to 2 instances");
            String other = s.uploadScript("sleep 3600", rb);
            assertThat(s.put("/v1/services/web/c", rb, "{\"packageDigest\":\"" + other + "\",\"instances\":1" + SPEC + "}").code())
                    .as("another role's count is its own").isEqualTo(201);

            assertThat(s.call("DELETE", "/v1/services/web/a", ra, null).code()).isEqualTo(200);
            assertThat(s.put("/v1/services/web/d", ra, body).code()).as("a place given back").isEqualTo(201);
        }
    }

    private static String role(LiveServer s, String name) {
        s.put("/v1/roles/" + name, s.admin(), "{\"weight\":1}");
        return s.post("/v1/roles/" + name + "/tokens", s.admin(), "{}").body().path("token").asText();
    }
}
