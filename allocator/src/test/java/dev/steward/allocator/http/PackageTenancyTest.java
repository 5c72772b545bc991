package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packages are one store for every role (content addressed), but a role reaches only those it
 * uploaded or ran: another role's package is not there for it, with the very answer a digest
 * never uploaded gets, for every route that names a package (download, HEAD, info, list, a task, a
 * deploy). Sending the bytes proves a role has them, so an upload of the same package gives it to
 * that role. An agent downloads only what a task on it names. Real server, real HTTP.
 */
class PackageTenancyTest {
    private static final String NEVER = "sha256:" + "0".repeat(64);
    private LiveServer s;
    private String ra;
    private String rb;
    private String[] m1;
    private String[] m2;

    @BeforeEach
    void start() {
        s = new LiveServer();
        m1 = s.agent("m1", "4", "8g");
        m2 = s.agent("m2", "4", "8g");
        s.put("/v1/roles/ra", s.admin(), "{\"weight\":1}");
        s.put("/v1/roles/rb", s.admin(), "{\"weight\":1}");
        ra = s.post("/v1/roles/ra/tokens", s.admin(), "{}").body().path("token").asText();
        rb = s.post("/v1/roles/rb/tokens", s.admin(), "{}").body().path("token").asText();
    }

    /** A data directory this test reopened a server on: the reopened server leaves it, so the test removes it. */
    private Path reopened;

    @AfterEach
    void stop() throws Exception {
        s.close();
        if (reopened != null) {
            try (var walk = java.nio.file.Files.walk(reopened)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private List<String> listed(String token) {
        List<String> out = new ArrayList<>();
        s.get("/v1/packages", token).body().forEach(p -> out.add(p.path("digest").asText() + " " + p.path("roles")));
        return out;
    }

    /** The status of a call whose answer may be a package's bytes (not JSON). */
    private int status(String method, String path, String token) throws Exception {
        okhttp3.Request r = new okhttp3.Request.Builder().url(s.server.url() + path).header("Authorization", "Bearer " + token).method(method, null).build();
        try (okhttp3.Response resp = s.http.newCall(r).execute()) {
            return resp.code();
        }
    }

    /** A reply's detail with the digest it names made generic, to compare the answers for two digests. */
    private static String detail(LiveServer.Reply r, String digest) {
        return r.code() + " " + r.body().path("detail").asText().replace(digest, "DIGEST");
    }

    private String allocation(String token, String agentId) {
        JsonNode req = s.post("/v1/requests", token, "{\"cpus\":\"0.1\",\"memory\":\"16m\",\"constraints\":[{\"attribute\":\"agent\",\"op\":\"=\",\"value\":\""
                + agentId + "\"}]}").body();
        return req.path("allocations").path(0).asText();
    }

    @Test
    void another_roles_package_is_not_there_for_any_route_and_says_so_as_a_digest_never_uploaded_does() throws Exception {
        String p = s.uploadScript("sleep 3600", ra);

        for (String method : List.of("GET", "HEAD")) {
            assertThat(status(method, "/v1/packages/" + p, rb)).as(method + " as rb").isEqualTo(404);
            assertThat(status(method, "/v1/packages/" + p, ra)).as(method + " as ra").isEqualTo(200);
            assertThat(status(method, "/v1/packages/" + p, s.admin())).as(method + " as admin").isEqualTo(200);
        }
        assertThat(detail(s.get("/v1/packages/" + p + "/info", rb), p)).isEqualTo(detail(s.get("/v1/packages/" + NEVER + "/info", rb), NEVER))
                .startsWith("404");
        assertThat(s.get("/v1/packages/" + p + "/info", ra).body().path("roles").toString()).isEqualTo("[\"ra\"]");
        assertThat(listed(rb)).isEmpty();
        assertThat(listed(ra)).containsExactly(p + " [\"ra\"]");

        // naming it in a task or a deploy: refused, in the words a missing package gets, and nothing is made
        String alloc = allocation(rb, m1[0]);
        String taskBody = "{\"name\":\"t\",\"command\":\"sh run.sh\",\"packageDigest\":\"%s\"}";
        LiveServer.Reply task = s.post("/v1/allocations/" + alloc + "/tasks", rb, taskBody.formatted(p));
        assertThat(detail(task, p)).isEqualTo(detail(s.post("/v1/allocations/" + alloc + "/tasks", rb, taskBody.formatted(NEVER)), NEVER))
                .startsWith("409").contains("not stored");
        assertThat(s.get("/v1/allocations/" + alloc + "/tasks", rb).body().size()).isZero();
        String deployBody = "{\"packageDigest\":\"%s\",\"instances\":1,\"cpus\":\"0.1\",\"memory\":\"16m\"}";
        LiveServer.Reply deploy = s.put("/v1/services/web/prod", rb, deployBody.formatted(p));
        assertThat(detail(deploy, p)).isEqualTo(detail(s.put("/v1/services/web/prod", rb, deployBody.formatted(NEVER)), NEVER)).startsWith("409");
        assertThat(s.get("/v1/services", rb).body().size()).isZero();

        // the same bytes sent by rb: now rb's too, and rb is shown only itself, in the upload's answer as everywhere
        Path tree = s.dir.resolve("tree-" + Integer.toHexString("sleep 3600".hashCode()));
        Path built = tree.resolveSibling(tree.getFileName() + ".tar.zst");
        okhttp3.Request put = new okhttp3.Request.Builder().url(s.server.url() + "/v1/packages/" + p).header("Authorization", "Bearer " + rb)
                .put(okhttp3.RequestBody.create(java.nio.file.Files.readAllBytes(built), okhttp3.MediaType.get("application/octet-stream"))).build();
        try (okhttp3.Response r = s.http.newCall(put).execute()) {
            assertThat(r.code()).isEqualTo(201);
            assertThat(dev.steward.allocator.Json.MAPPER.readTree(r.body().string()).path("roles").toString()).as("ra is not named to rb")
                    .isEqualTo("[\"rb\"]");
        }
        assertThat(status("HEAD", "/v1/packages/" + p, rb)).isEqualTo(200);
        assertThat(listed(rb)).containsExactly(p + " [\"rb\"]");
        assertThat(listed(s.admin())).containsExactly(p + " [\"ra\",\"rb\"]");
        assertThat(s.post("/v1/allocations/" + alloc + "/tasks", rb, taskBody.formatted(p)).code()).isEqualTo(201);
    }

    @Test
    void what_the_admin_runs_for_a_role_becomes_the_roles_and_an_admin_upload_alone_gives_no_role_anything() {
        String z = s.uploadScript("sleep 3600");
        assertThat(s.get("/v1/packages/" + z + "/info", s.admin()).body().path("roles").toString()).isEqualTo("[]");
        assertThat(s.get("/v1/packages/" + z + "/info", ra).code()).isEqualTo(404);

        LiveServer.Reply deploy = s.put("/v1/services/web/prod", s.admin(), "{\"role\":\"ra\",\"packageDigest\":\"" + z
                + "\",\"instances\":1,\"cpus\":\"0.1\",\"memory\":\"16m\"}");
        assertThat(deploy.code()).as("%s", deploy.body()).isEqualTo(201);
        assertThat(s.get("/v1/packages/" + z + "/info", ra).code()).isEqualTo(200);
        assertThat(s.get("/v1/packages/" + z + "/info", rb).code()).isEqualTo(404);
        assertThat(listed(s.admin())).containsExactly(z + " [\"ra\"]");
    }

    @Test
    void an_agent_downloads_only_a_package_a_task_on_it_names() throws Exception {
        String p = s.uploadScript("sleep 3600", ra);
        assertThat(status("GET", "/v1/packages/" + p, m1[1])).as("no task names it yet").isEqualTo(404);
        String alloc = allocation(ra, m1[0]);
        assertThat(s.post("/v1/allocations/" + alloc + "/tasks", ra, "{\"name\":\"t\",\"packageDigest\":\"" + p + "\"}").code()).isEqualTo(201);
        assertThat(status("GET", "/v1/packages/" + p, m1[1])).as("the agent that runs it").isEqualTo(200);
        assertThat(status("GET", "/v1/packages/" + p, m2[1])).as("another agent").isEqualTo(404);
        assertThat(s.get("/v1/packages", m2[1]).body().size()).isZero();
        assertThat(s.get("/v1/packages", m1[1]).body().path(0).path("roles").toString()).as("an agent is shown no role").isEqualTo("[]");
    }

    @Test
    void packages_stored_before_they_had_roles_go_to_the_roles_that_run_them_and_the_rest_to_the_admin() throws Exception {
        String used = s.uploadScript("sleep 3600", ra);
        String idle = s.uploadScript("sleep 60", ra);
        assertThat(s.put("/v1/services/web/prod", ra, "{\"packageDigest\":\"" + used + "\",\"instances\":1,\"cpus\":\"0.1\",\"memory\":\"16m\"}").code())
                .isEqualTo(201);
        Path dir = s.dir;
        reopened = dir;
        s.server.close();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("steward.db"))) {
            List<String[]> rows = new ArrayList<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT id, json FROM packages")) {
                while (rs.next()) {
                    rows.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            assertThat(rows).hasSize(2).allMatch(r -> r[1].contains("\"roles\""));
            try (PreparedStatement up = db.prepareStatement("UPDATE packages SET json = ? WHERE id = ?")) {
                for (String[] r : rows) { // as an earlier release wrote them: no roles
                    up.setString(1, r[1].replaceAll(",?\"roles\":\\[[^\\]]*\\]", ""));
                    up.setString(2, r[0]);
                    up.executeUpdate();
                }
            }
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM packages WHERE json LIKE '%roles%'")) {
                assertThat(rs.getInt(1)).isZero();
            }
        }
        s = new LiveServer(dir, c -> c);
        assertThat(s.get("/v1/packages/" + used + "/info", ra).code()).as("its service keeps a revision of it").isEqualTo(200);
        assertThat(s.get("/v1/packages/" + idle + "/info", ra).code()).as("nothing refers to it").isEqualTo(404);
        assertThat(s.get("/v1/packages/" + used + "/info", rb).code()).isEqualTo(404);
        assertThat(listed(s.admin())).containsExactlyInAnyOrder(used + " [\"ra\"]", idle + " []");
        s.uploadScript("sleep 60", ra);
        assertThat(s.get("/v1/packages/" + idle + "/info", ra).code()).as("sent again by ra").isEqualTo(200);
    }
}
