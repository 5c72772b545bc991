package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/agents/ID/tasks/statuses}: an agent's reports for several tasks in one
 * request. Each is applied as if sent alone (ordered and idempotent by its sequence number); a
 * refused one is answered in its place without failing the others; the shape is checked first.
 */
class TaskReportsApiTest {
    private final LiveServer s = new LiveServer();

    @AfterEach
    void close() {
        s.close();
    }

    @Test
    void several_reports_in_one_request_each_as_if_alone() {
        String[] a = s.agent("m1", "4", "8g");
        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").body().path("allocations").get(0).asText();
        String[] b = s.agent("m2", "4", "8g"); // joins after the placement: the tasks are m1's
        String t1 = s.task(alloc, "one");
        String t2 = s.task(alloc, "two");
        String body = "{\"reports\":[{\"task\":\"" + t1 + "\",\"status\":{\"seq\":1,\"state\":\"RUNNING\",\"pid\":11}},"
                + "{\"task\":\"nope\",\"status\":{\"seq\":1,\"state\":\"RUNNING\"}},"
                + "{\"task\":\"" + t2 + "\",\"status\":{\"seq\":1,\"state\":\"RUNNING\",\"pid\":12}}]}";
        LiveServer.Reply r = s.post("/v1/agents/" + a[0] + "/tasks/statuses", a[1], body);
        assertThat(r.code()).isEqualTo(200);
        JsonNode results = r.body();
        assertThat(results).hasSize(3);
        assertThat(results.get(0).path("info").path("state").asText()).isEqualTo("RUNNING");
        assertThat(results.get(1).path("status").asInt()).as("an unknown task is refused in its place").isEqualTo(404);
        assertThat(results.get(1).path("error").asText()).contains("nope");
        assertThat(results.get(2).path("info").path("state").asText()).isEqualTo("RUNNING");
        assertThat(s.get("/v1/tasks/" + t2, s.admin()).body().path("state").asText()).isEqualTo("RUNNING");

        // sent again (the agent did not hear the answer): the same sequence numbers change nothing
        String index = s.get("/v1/status", s.admin()).index();
        assertThat(s.post("/v1/agents/" + a[0] + "/tasks/statuses", a[1], body).code()).isEqualTo(200);
        assertThat(s.get("/v1/status", s.admin()).index()).isEqualTo(index);

        // another agent's tasks are not this agent's to report
        LiveServer.Reply other = s.post("/v1/agents/" + b[0] + "/tasks/statuses", b[1],
                "{\"reports\":[{\"task\":\"" + t1 + "\",\"status\":{\"seq\":2,\"state\":\"FAILED\"}}]}");
        assertThat(other.code()).isEqualTo(200);
        assertThat(other.body().get(0).path("status").asInt()).isBetween(400, 499);
        assertThat(s.get("/v1/tasks/" + t1, s.admin()).body().path("state").asText()).isEqualTo("RUNNING");
        assertThat(s.post("/v1/agents/" + a[0] + "/tasks/statuses", b[1], body).code()).as("for another agent's id").isEqualTo(403);
        assertThat(TrafficClass.of("POST", "/v1/agents/" + a[0] + "/tasks/statuses", java.util.Map.of(), false, true)).as("agents' traffic comes first")
                .isEqualTo(TrafficClass.AGENT);
    }

    @Test
    void a_report_of_a_move_the_task_cannot_make_is_refused_with_a_reason_not_a_500() {
        String[] a = s.agent("m1", "4", "8g");
        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").body().path("allocations").get(0).asText();
        String t = s.task(alloc, "one");
        String index = s.get("/v1/status", s.admin()).index();
        LiveServer.Reply r = s.put("/v1/agents/" + a[0] + "/tasks/" + t + "/status", a[1], "{\"seq\":1,\"state\":\"PENDING\"}");
        assertThat(r.code()).as("%s", r.body()).isEqualTo(409);
        assertThat(r.body().path("detail").asText()).contains("is PENDING and cannot become PENDING", "changes nothing");
        LiveServer.Reply batch = s.post("/v1/agents/" + a[0] + "/tasks/statuses", a[1],
                "{\"reports\":[{\"task\":\"" + t + "\",\"status\":{\"seq\":1,\"state\":\"PENDING\"}}]}");
        assertThat(batch.body().get(0).path("status").asInt()).as("in a batch, in its place").isEqualTo(409);
        assertThat(s.get("/v1/status", s.admin()).index()).as("nothing written").isEqualTo(index);
        assertThat(s.put("/v1/agents/" + a[0] + "/tasks/" + t + "/status", a[1], "{\"seq\":1,\"state\":\"RUNNING\",\"pid\":7}").code())
                .as("the task's next real report is taken").isEqualTo(200);
    }

    @Test
    void the_shape_is_checked_and_named() {
        String[] a = s.agent("m1", "4", "8g");
        String path = "/v1/agents/" + a[0] + "/tasks/statuses";
        LiveServer.Reply empty = s.post(path, a[1], "{\"reports\":[]}");
        assertThat(empty.code()).isEqualTo(400);
        assertThat(empty.body().path("field").asText()).isEqualTo("reports");
        StringBuilder many = new StringBuilder("{\"reports\":[");
        for (int i = 0; i <= dev.steward.api.TaskReports.MAX; i++) {
            many.append(i == 0 ? "" : ",").append("{\"task\":\"t").append(i).append("\",\"status\":{\"seq\":1,\"state\":\"RUNNING\"}}");
        }
        LiveServer.Reply tooMany = s.post(path, a[1], many.append("]}").toString());
        assertThat(tooMany.code()).isEqualTo(400);
        assertThat(tooMany.body().path("detail").asText()).contains("at most 256");
        LiveServer.Reply noStatus = s.post(path, a[1], "{\"reports\":[{\"task\":\"t1\"}]}");
        assertThat(noStatus.code()).isEqualTo(400);
        assertThat(noStatus.body().path("field").asText()).isEqualTo("reports[0].status");
    }
}
