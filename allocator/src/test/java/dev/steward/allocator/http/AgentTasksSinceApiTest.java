package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v1/agents/ID/tasks?since=N}: only the agent's tasks changed after index N, so a
 * busy agent's watch carries what changed rather than every task at each wake-up.
 */
class AgentTasksSinceApiTest {
    private final LiveServer s = new LiveServer();

    @AfterEach
    void close() {
        s.close();
    }

    private static List<String> ids(JsonNode tasks) {
        List<String> out = new ArrayList<>();
        tasks.forEach(t -> out.add(t.path("id").asText()));
        return out;
    }

    @Test
    void only_what_changed_after_the_index_given() {
        String[] a = s.agent("m1", "4", "8g");
        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").body().path("allocations").get(0).asText();
        String one = s.task(alloc, "one");
        String two = s.task(alloc, "two");
        String path = "/v1/agents/" + a[0] + "/tasks";
        LiveServer.Reply whole = s.get(path, a[1]);
        assertThat(ids(whole.body())).containsExactly(one, two);
        String index = whole.index();

        assertThat(s.get(path + "?since=" + index, a[1]).body()).as("nothing changed since").isEmpty();
        String three = s.task(alloc, "three");
        s.post("/v1/tasks/" + one + "/stop", s.admin(), "");
        LiveServer.Reply changed = s.get(path + "?since=" + index, a[1]);
        assertThat(ids(changed.body())).containsExactlyInAnyOrder(one, three);
        assertThat(Long.parseLong(changed.index())).isGreaterThan(Long.parseLong(index));
        assertThat(ids(s.get(path + "?since=" + changed.index(), a[1]).body())).isEmpty();
        assertThat(ids(s.get(path + "?since=0", a[1]).body())).as("since 0: every task").containsExactlyInAnyOrder(one, two, three);
    }

    @Test
    void a_running_tasks_report_does_not_wake_its_agents_watch_but_a_stop_and_an_end_do() {
        String[] a = s.agent("m1", "4", "8g");
        String alloc = s.post("/v1/requests", s.admin(), "{\"cpus\":\"1\",\"memory\":\"1g\"}").body().path("allocations").get(0).asText();
        String one = s.task(alloc, "one");
        String path = "/v1/agents/" + a[0] + "/tasks";
        String index = s.get(path, a[1]).index();
        LiveServer.Reply reported = s.put("/v1/agents/" + a[0] + "/tasks/" + one + "/status", a[1], "{\"seq\":1,\"state\":\"RUNNING\",\"pid\":7}");
        assertThat(reported.code()).isEqualTo(200);
        long modified = reported.body().path("modifyIndex").asLong();
        assertThat(modified).isGreaterThan(Long.parseLong(index));
        assertThat(s.get(path, a[1]).index()).as("the agent's watch index does not move for what it said itself").isEqualTo(index);
        long t0 = System.nanoTime();
        LiveServer.Reply waited = s.get(path + "?index=" + index + "&wait=300ms&since=" + index, a[1]);
        assertThat(System.nanoTime() - t0).as("the watch waits out its wait").isGreaterThanOrEqualTo(290_000_000L);
        assertThat(ids(waited.body())).as("the reported task comes once with since").containsExactly(one);
        assertThat(ids(s.get(path + "?since=" + modified, a[1]).body())).isEmpty();

        s.post("/v1/tasks/" + one + "/stop", s.admin(), "");
        LiveServer.Reply woken = s.get(path + "?index=" + modified + "&wait=20s&since=" + modified, a[1]);
        assertThat(Long.parseLong(woken.index())).as("a stop moves it").isGreaterThan(modified);
        assertThat(woken.body().get(0).path("stopRequested").asBoolean()).isTrue();

        String two = s.task(alloc, "two");
        String before = s.get(path, a[1]).index();
        s.put("/v1/agents/" + a[0] + "/tasks/" + two + "/status", a[1], "{\"seq\":1,\"state\":\"EXITED\",\"exitCode\":0}");
        assertThat(Long.parseLong(s.get(path, a[1]).index())).as("an end wakes it: a report from an earlier incarnation can end a task running here")
                .isGreaterThan(Long.parseLong(before));
    }

    @Test
    void a_bad_since_is_named() {
        String[] a = s.agent("m1", "4", "8g");
        String path = "/v1/agents/" + a[0] + "/tasks";
        for (String bad : List.of("soon", "-1")) {
            LiveServer.Reply r = s.get(path + "?since=" + bad, a[1]);
            assertThat(r.code()).as(bad).isEqualTo(400);
            assertThat(r.body().path("field").asText()).isEqualTo("since");
        }
    }
}
