package dev.steward.allocator.http;

import dev.steward.api.PackageManifest;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route of the router against every kind of caller, over real HTTP, each cell checked
 * against the table below. Role {@code ra} owns every object the paths name (a request, its
 * allocation, a task in it, a service, its deployment, a monitor, a package); role {@code rb} must find
 * none of them (404 for every method: a write must not reveal what a read hides). A route
 * added without a row here fails the build, so its access is decided, not inherited.
 *
 * <p>Cells: {@code ok} = past authorization (any answer but 401, 403, 404 and 5xx: a 400 for the
 * body, a 409 for the state are the route's own business), or the exact status expected.
 */
class AuthorizationMatrixTest {
    /** The callers, in the order of the table's columns (and of the calls: the allowed ones, which may change things, go last). */
    private static final List<String> WHO = List.of("none", "garbage", "join", "otherAgent", "rb", "agent", "ra", "admin");

    /** METHOD template -> the cells, one per caller in {@link #WHO} order. */
    private static final Map<String, String> TABLE = new LinkedHashMap<>();

    static {
        //                                                       none garbage join otherAgent rb agent ra admin
        row("GET /v1/health",                                   "ok ok ok ok ok ok ok ok");
        // the dashboard's files hold no data: the page asks for a token and calls the API with it
        row("GET /",                                            "ok ok ok ok ok ok ok ok");
        row("GET /ui/{file}",                                   "ok ok ok ok ok ok ok ok");
        row("GET /v1/status",                                   "401 401 403 ok ok ok ok ok");
        row("GET /v1/whoami",                                   "401 401 ok ok ok ok ok ok");
        row("GET /v1/snapshot",                                 "401 401 403 403 403 403 403 ok");
        // and the metrics token (MetricsTest): it reads /metrics and nothing else
        row("GET /metrics",                                     "401 401 403 403 403 403 403 ok");
        row("GET /v1/agents",                                   "401 401 403 ok ok ok ok ok");
        row("GET /v1/agents/{id}",                              "401 401 403 ok ok ok ok ok");
        row("GET /v1/agents/{id}/allocations",                  "401 401 403 403 403 ok 403 ok");
        row("GET /v1/agents/{id}/tasks",                        "401 401 403 403 403 ok 403 ok");
        row("GET /v1/roles",                                    "401 401 403 403 ok 403 ok ok");
        row("GET /v1/roles/{name}",                             "401 401 403 403 404 403 ok ok");
        row("GET /v1/requests",                                 "401 401 403 403 ok 403 ok ok");
        row("GET /v1/requests/{id}",                            "401 401 403 403 404 403 ok ok");
        row("GET /v1/allocations",                              "401 401 403 ok ok ok ok ok");
        row("GET /v1/allocations/{id}",                         "401 401 403 404 404 ok ok ok");
        row("GET /v1/allocations/{id}/tasks",                   "401 401 403 404 404 ok ok ok");
        row("GET /v1/tasks/{id}",                               "401 401 403 404 404 ok ok ok");
        // the fixture's agent serves no logs: 502 ("cannot be read") is past authorization, as the 404 of another role is not
        row("GET /v1/tasks/{id}/logs",                          "401 401 403 403 404 403 502 502");
        // the fixture's task has not started: a 409, past authorization; another role's 404 comes before the run is recorded
        row("POST /v1/tasks/{id}/exec",                         "401 401 403 403 404 403 ok ok");
        row("GET /v1/packages",                                 "401 401 403 ok ok ok ok ok");
        // ra's package: another role, and an agent no task on which names it, find it not there (PackageTenancyTest has the rest)
        row("GET /v1/packages/{digest}",                        "401 401 403 404 404 ok ok ok");
        row("HEAD /v1/packages/{digest}",                       "401 401 403 404 404 ok ok ok");
        row("GET /v1/packages/{digest}/info",                   "401 401 403 404 404 ok ok ok");
        row("GET /v1/services",                                 "401 401 403 403 ok 403 ok ok");
        row("GET /v1/services/{app}/{env}",                     "401 401 403 403 404 403 ok ok");
        row("GET /v1/services/{app}/{env}/revisions",           "401 401 403 403 404 403 ok ok");
        row("GET /v1/services/{app}/{env}/instances",           "401 401 403 403 404 403 ok ok");
        row("GET /v1/services/{app}/{env}/endpoints",           "401 401 403 403 404 403 ok ok");
        row("GET /v1/services/{app}/{env}/deployments",         "401 401 403 403 404 403 ok ok");
        row("GET /v1/services/{app}/{env}/monitors",            "401 401 403 403 404 403 ok ok");
        // per role: rb finds none of ra's service's secrets (404), as for its other routes
        row("GET /v1/services/{app}/{env}/secrets",             "401 401 403 403 404 403 ok ok");
        row("GET /v1/deployments/{id}",                         "401 401 403 403 404 403 ok ok");
        row("GET /v1/deployments/{id}/events",                  "401 401 403 403 404 403 ok ok");
        row("GET /v1/monitors",                                 "401 401 403 403 ok 403 ok ok");
        row("GET /v1/monitors/{id}",                            "401 401 403 403 404 403 ok ok");
        row("GET /v1/monitors/{id}/report",                     "401 401 403 403 404 403 ok ok");
        row("POST /v1/agents",                                  "401 401 ok 403 403 403 403 ok");
        row("PUT /v1/agents/{id}",                              "401 401 403 403 403 ok 403 ok");
        row("PUT /v1/agents/{id}/heartbeat",                    "401 401 403 403 403 ok 403 ok");
        row("PUT /v1/agents/{id}/tasks/{task}/status",          "401 401 403 403 403 ok 403 403");
        row("POST /v1/agents/{id}/tasks/statuses",              "401 401 403 403 403 ok 403 403");
        row("PUT /v1/roles/{name}",                             "401 401 403 403 403 403 403 ok");
        row("POST /v1/roles/{name}/tokens",                     "401 401 403 403 403 403 403 ok");
        row("GET /v1/tokens",                                   "401 401 403 403 403 403 403 ok");
        row("POST /v1/join-tokens",                             "401 401 403 403 403 403 403 ok");
        row("POST /v1/requests",                                "401 401 403 403 ok 403 ok ok");
        row("POST /v1/allocations/{id}/renew",                  "401 401 403 403 404 403 ok ok");
        row("POST /v1/allocations/{id}/tasks",                  "401 401 403 403 404 403 ok ok");
        row("PUT /v1/packages/{digest}",                        "401 401 403 403 ok 403 ok ok");
        row("PUT /v1/services/{app}/{env}",                     "401 401 403 403 404 403 ok ok");
        row("POST /v1/services/{app}/{env}/plan",               "401 401 403 403 404 403 ok ok");
        row("POST /v1/services/{app}/{env}/rollback/plan",      "401 401 403 403 404 403 ok ok");
        row("POST /v1/services/{app}/{env}/rollback",           "401 401 403 403 404 403 ok ok");
        row("POST /v1/services/{app}/{env}/restart/plan",       "401 401 403 403 404 403 ok ok");
        row("POST /v1/services/{app}/{env}/restart",            "401 401 403 403 404 403 ok ok");
        row("POST /v1/services/{app}/{env}/instances/{id}/restart", "401 401 403 403 404 403 ok ok");
        row("POST /v1/services/{app}/{env}/monitors",           "401 401 403 403 404 403 ok ok");
        row("PUT /v1/services/{app}/{env}/secrets/{name}",      "401 401 403 403 404 403 ok ok");
        row("POST /v1/deployments/{id}/pause",                  "401 401 403 403 404 403 ok ok");
        row("POST /v1/deployments/{id}/resume",                 "401 401 403 403 404 403 ok ok");
        row("POST /v1/deployments/{id}/promote",                "401 401 403 403 404 403 ok ok");
        row("POST /v1/agents/{id}/drain",                       "401 401 403 403 403 403 403 ok");
        row("POST /v1/agents/{id}/enable",                      "401 401 403 403 403 403 403 ok");
        // the fixture's agent is alive: past authorization (a 409, "ok" here), the admin is told it is not lost (AgentForgetApiTest has the rest)
        row("DELETE /v1/agents/{id}",                           "401 401 403 403 403 403 403 ok");
        row("POST /v1/secrets/rotate-key",                      "401 401 403 403 403 403 403 ok");
        // what ends things last, so the rows above find them alive
        row("POST /v1/monitors/{id}/stop",                      "401 401 403 403 404 403 ok ok");
        row("POST /v1/deployments/{id}/abort",                  "401 401 403 403 404 403 ok ok");
        row("POST /v1/tasks/{id}/stop",                         "401 401 403 403 404 403 ok ok");
        row("POST /v1/allocations/{id}/release",                "401 401 403 403 404 403 ok ok");
        row("DELETE /v1/requests/{id}",                         "401 401 403 403 404 403 ok ok");
        row("POST /v1/packages/gc",                             "401 401 403 403 403 403 403 ok");
        row("POST /v1/tokens/{id}/rotate",                      "401 401 403 403 403 403 403 ok");
        row("DELETE /v1/tokens/{id}",                           "401 401 403 403 403 403 403 ok");
        // ra's package runs in ra's service: ra and the admin are refused with 409 (past authorization), rb finds it not there
        row("DELETE /v1/packages/{digest}",                     "401 401 403 403 404 403 ok ok");
        // ra's secret "ra" (set by the PUT row above): ra deletes it, so the admin's call after finds it gone (404, past authorization)
        row("DELETE /v1/services/{app}/{env}/secrets/{name}",   "401 401 403 403 404 403 ok 404");
        row("DELETE /v1/services/{app}/{env}",                  "401 401 403 403 404 403 ok ok");
    }

    private static void row(String route, String cells) {
        TABLE.put(route, cells);
    }

    private static LiveServer s;
    private static final Map<String, String> tokens = new LinkedHashMap<>();
    private static final Map<String, String> ids = new LinkedHashMap<>();

    @BeforeAll
    static void fixture() throws Exception {
        s = new LiveServer(Duration.ofHours(1));
        String[] m1 = s.agent("m1", "4", "8g");
        String[] m2 = s.agent("m2", "4", "8g");
        s.put("/v1/roles/ra", s.admin(), "{\"weight\":1}");
        s.put("/v1/roles/rb", s.admin(), "{\"weight\":1}");
        tokens.put("none", null);
        tokens.put("garbage", "stt_" + "x".repeat(40));
        tokens.put("join", s.server.joinToken());
        tokens.put("admin", s.admin());
        tokens.put("ra", s.post("/v1/roles/ra/tokens", s.admin(), "{}").body().path("token").asText());
        tokens.put("rb", s.post("/v1/roles/rb/tokens", s.admin(), "{}").body().path("token").asText());
        String ra = tokens.get("ra");
        ids.put("token", s.post("/v1/roles/rb/tokens", s.admin(), "{\"description\":\"spare, revoked by the admin's call\"}").body().path("id").asText());

        var req = s.post("/v1/requests", ra, "{\"cpus\":\"1\",\"memory\":\"1g\",\"ttl\":\"30d\",\"constraints\":[{\"attribute\":\"agent\",\"op\":\"=\",\"value\":\""
                + m1[0] + "\"}]}").body();
        ids.put("request", req.path("id").asText());
        ids.put("allocation", req.path("allocations").path(0).asText());
        tokens.put("agent", m1[1]);
        tokens.put("otherAgent", m2[1]);
        ids.put("agent", m1[0]);
        var task = s.post("/v1/allocations/" + ids.get("allocation") + "/tasks", ra, "{\"name\":\"t\",\"command\":\"/bin/true\"}");
        assertThat(task.code()).as(String.valueOf(task.body())).isEqualTo(201);
        ids.put("task", task.body().path("id").asText());

        Path tree = Files.createDirectories(s.dir.resolve("tree"));
        Files.writeString(tree.resolve("run.sh"), "sleep 3600");
        BuiltPackage p = PackageBuilder.from(tree).manifest(new PackageManifest(null, "web", "1", "sh run.sh", null, List.of("http"), null, null, null))
                .writeTo(s.dir.resolve("web.tar.zst"));
        Request up = new Request.Builder().url(s.server.url() + "/v1/packages/" + p.digest()).header("Authorization", "Bearer " + ra)
                .put(RequestBody.create(Files.readAllBytes(s.dir.resolve("web.tar.zst")), MediaType.get("application/octet-stream"))).build();
        try (Response r = s.http.newCall(up).execute()) {
            assertThat(r.code()).isEqualTo(201);
        }
        ids.put("digest", p.digest());
        // its instance on m1, so the agent that names ra's package is "agent", never "otherAgent"
        var svc = s.put("/v1/services/web/prod", ra, "{\"packageDigest\":\"" + p.digest() + "\",\"instances\":1,\"cpus\":\"0.1\",\"memory\":\"16m\","
                + "\"constraints\":[{\"attribute\":\"agent\",\"op\":\"=\",\"value\":\"" + m1[0] + "\"}]}");
        assertThat(svc.code()).as(String.valueOf(svc.body())).isEqualTo(201);
        ids.put("deployment", svc.body().path("deployment").path("id").asText());
        ids.put("instance", s.get("/v1/services/web/prod/instances", ra).body().get(0).path("id").asText());
        var mon = s.post("/v1/services/web/prod/monitors", ra, "{\"gates\":[\"restarts <= 2\"],\"duration\":\"1h\"}");
        assertThat(mon.code()).as(String.valueOf(mon.body())).isEqualTo(201);
        ids.put("monitor", mon.body().path("id").asText());
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** The path of a route with role ra's objects in it. */
    private static String path(String template) {
        String id = template.startsWith("/v1/agents/") ? ids.get("agent")
                : template.startsWith("/v1/requests/") ? ids.get("request")
                : template.startsWith("/v1/allocations/") ? ids.get("allocation")
                : template.startsWith("/v1/tasks/") ? ids.get("task")
                : template.startsWith("/v1/deployments/") ? ids.get("deployment")
                : template.startsWith("/v1/monitors/") ? ids.get("monitor")
                : template.startsWith("/v1/tokens/") ? ids.get("token")
                : template.contains("/instances/{id}") ? ids.get("instance") : "none";
        return template.replace("{id}", id).replace("{task}", ids.get("task")).replace("{name}", "ra").replace("{app}", "web").replace("{env}", "prod")
                .replace("{digest}", ids.get("digest")).replace("{file}", "app.js");
    }

    /** A body the route could accept from a caller allowed to call it, so the cell tests access, not validation. */
    private static String body(String route) {
        return switch (route) {
            case "POST /v1/agents" -> "{\"name\":\"m3\",\"cpus\":\"1\",\"memory\":\"1g\"}";
            case "PUT /v1/agents/{id}" -> "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"8g\",\"ports\":\"21000-21100\",\"attributes\":{\"os\":\"linux\"}}";
            case "PUT /v1/roles/{name}" -> "{\"weight\":1}";
            case "POST /v1/requests" -> "{\"cpus\":\"0.1\",\"memory\":\"16m\"}";
            case "PUT /v1/services/{app}/{env}" -> "{\"packageDigest\":\"" + ids.get("digest") + "\",\"instances\":1,\"cpus\":\"0.1\",\"memory\":\"16m\"}";
            case "POST /v1/services/{app}/{env}/monitors" -> "{\"gates\":[\"restarts <= 2\"],\"duration\":\"1h\"}";
            case "PUT /v1/services/{app}/{env}/secrets/{name}" -> "{\"value\":\"s3cret\"}";
            case "POST /v1/allocations/{id}/tasks" -> "{\"name\":\"t2\",\"command\":\"/bin/true\"}";
            case "POST /v1/tasks/{id}/exec" -> "{\"command\":[\"true\"]}";
            case "PUT /v1/agents/{id}/tasks/{task}/status" -> "{\"state\":\"RUNNING\"}";
            case "POST /v1/agents/{id}/tasks/statuses" -> "{\"reports\":[{\"task\":\"" + ids.get("task") + "\",\"status\":{\"state\":\"RUNNING\"}}]}";
            default -> route.startsWith("POST ") || route.startsWith("PUT ") ? "{}" : null;
        };
    }

    /** The status and the first 200 characters of the answer (a package's bytes are not JSON). */
    private static String[] call(String method, String path, String token, String body) {
        Request.Builder b = new Request.Builder().url(s.server.url() + path);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? null : RequestBody.create(body, LiveServer.JSON));
        try (Response r = s.http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            return new String[] {Integer.toString(r.code()), text.substring(0, Math.min(200, text.length()))};
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String outcome(int code) {
        return code == 401 || code == 403 || code == 404 || code >= 500 ? Integer.toString(code) : "ok";
    }

    @Test
    void aPromotionReadsOnlyASourceTheCallerMayRead() {
        String body = "{\"promoteFrom\":\"prod\",\"cpus\":\"0.1\",\"memory\":\"16m\"}";
        LiveServer.Reply leak = s.put("/v1/services/web/leak", tokens.get("rb"), body);
        assertThat(leak.code()).as("role rb promoting role ra's service: %s", leak.body()).isEqualTo(404);
        assertThat(leak.body().path("detail").asText()).contains("web/prod").doesNotContain("ra");
        assertThat(s.get("/v1/services/web/leak", s.admin()).code()).as("nothing was created").isEqualTo(404);
        assertThat(s.get("/v1/services", tokens.get("rb")).body().size()).isZero();
        LiveServer.Reply planned = s.post("/v1/services/web/leak/plan", tokens.get("rb"), body);
        assertThat(planned.code()).as("a plan of the same: %s", planned.body()).isEqualTo(404);
        assertThat(planned.body().path("detail").asText()).contains("web/prod").doesNotContain("ra");

        // its own source, and the admin's across roles, pass the check (and stop at the source having no stable revision yet)
        LiveServer.Reply own = s.put("/v1/services/web/leak", tokens.get("ra"), body);
        assertThat(own.code()).as("%s", own.body()).isEqualTo(409);
        assertThat(own.body().path("detail").asText()).contains("nothing to promote");
        LiveServer.Reply admin = s.put("/v1/services/web/leak", s.admin(), "{\"promoteFrom\":\"prod\",\"role\":\"rb\"}");
        assertThat(admin.code()).as("%s", admin.body()).isEqualTo(409);
        assertThat(admin.body().path("detail").asText()).contains("nothing to promote");
    }

    @Test
    void everyRouteAnswersEveryCallerAsTheTableSays() {
        List<String> routes = new ArrayList<>();
        s.server.api().routes().forEach(r -> routes.add(r.method() + " " + r.template()));
        assertThat(TABLE.keySet()).as("every route has a row, and every row a route").containsExactlyInAnyOrderElementsOf(routes);

        Map<String, String> seen = new LinkedHashMap<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> row : TABLE.entrySet()) {
            String route = row.getKey();
            String method = route.substring(0, route.indexOf(' '));
            String path = path(route.substring(route.indexOf(' ') + 1));
            String[] want = row.getValue().split(" ");
            List<String> got = new ArrayList<>();
            for (int i = 0; i < WHO.size(); i++) {
                String[] r = call(method, path, tokens.get(WHO.get(i)), body(route));
                String o = outcome(Integer.parseInt(r[0]));
                got.add(o);
                if (!o.equals(want[i])) {
                    wrong.add(route + " as " + WHO.get(i) + ": " + r[0] + " (want " + want[i] + ") " + r[1]);
                }
            }
            seen.put(route, String.join(" ", got));
        }
        StringBuilder table = new StringBuilder();
        seen.forEach((k, v) -> table.append(String.format("row(%-50s \"%s\");%n", "\"" + k + "\",", v)));
        assertThat(wrong).as("cells that differ from the table; the table as observed:%n%s", table).isEmpty();
    }
}
