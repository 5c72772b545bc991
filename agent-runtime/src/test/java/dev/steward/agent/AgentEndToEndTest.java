package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

/** A real allocator and a real agent on loopback running real processes. */
class AgentEndToEndTest {
    private Cluster c;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new Cluster();
        c.agent("m1", Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    private JsonNode awaitState(String task, String state) {
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(task).path("state").asText().equals(state));
        return c.taskInfo(task);
    }

    @Test
    void a_task_starts_its_port_answers_health_turns_healthy_and_its_logs_can_be_read() throws Exception {
        String alloc = c.allocate("0.5", "256m", "http");
        String web = c.task(alloc, "{\"name\":\"web2\",\"command\":\"sh\",\"args\":[\"-c\",\"echo started on $PORT_HTTP; exec python3 -u -m http.server --bind 127.0.0.1 $PORT_HTTP\"],"
                + "\"healthCheck\":{\"type\":\"http\",\"port\":\"http\",\"path\":\"/\",\"interval\":\"300ms\",\"timeout\":\"250ms\",\"grace\":\"30s\"}}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode t = c.taskInfo(web);
            assertThat(t.path("healthy").asBoolean(false)).as("%s", t).isTrue();
        });
        JsonNode info = c.taskInfo(web);
        assertThat(info.path("state").asText()).isEqualTo("RUNNING");
        int port = info.path("ports").path("http").asInt();
        try (Response r = c.http.newCall(new Request.Builder().url("http://127.0.0.1:" + port + "/").build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> c.call("GET", "/v1/tasks/" + web + "/logs", null).asText().contains("started on " + port));
        assertThat(c.call("GET", "/v1/tasks/" + web + "/logs?stream=stderr", null).asText()).contains("GET / HTTP/1.1");
    }

    @Test
    void a_process_whose_task_the_allocator_records_as_final_is_stopped_and_the_stop_reported() throws Exception {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"orphan\",\"command\":\"sh\",\"args\":[\"-c\",\"echo up; while :; do sleep 0.1; done\"]}");
        JsonNode running = awaitState(t, "RUNNING");
        ProcessHandle process = ProcessHandle.of(running.path("pid").asLong()).orElseThrow();
        LogCapture capture = LogCapture.of(Agent.class);
        java.util.List<String> warned = capture.lines();
        try {
            // a stale report (as from an earlier incarnation of the agent) makes the allocator record the task as
            // exited while its process still runs here
            Identity id = Identity.load(c.root.resolve("agent-m1"));
            c.callAs(id.token(), "PUT", "/v1/agents/" + id.id() + "/tasks/" + t + "/status",
                    "{\"seq\":" + (running.path("lastSeq").asLong() + 1000) + ",\"state\":\"EXITED\",\"exitCode\":0}");
            assertThat(c.taskInfo(t).path("state").asText()).isEqualTo("EXITED");
            await().atMost(Duration.ofSeconds(20)).until(() -> !process.isAlive());
            await().atMost(Duration.ofSeconds(5)).until(() -> warned.stream().anyMatch(m -> m.contains(t) && m.contains("records this task as EXITED")));
            assertThat(c.taskInfo(t).path("state").asText()).as("the allocator's final word stands").isEqualTo("EXITED");
        } finally {
            capture.close();
        }
    }

    @Test
    void stop_is_graceful_with_sigterm_then_forced_with_sigkill_after_the_kill_timeout() {
        String alloc = c.allocate("0.2", "64m");
        String polite = c.task(alloc, "{\"name\":\"polite\",\"command\":\"sh\",\"args\":[\"-c\",\"trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.1; done\"]}");
        String stubborn = c.task(alloc, "{\"name\":\"stubborn\",\"command\":\"sh\",\"args\":[\"-c\",\"trap '' TERM; echo up; while :; do sleep 0.1; done\"],\"killTimeout\":\"700ms\"}");
        awaitState(polite, "RUNNING");
        awaitState(stubborn, "RUNNING");
        await().atMost(Duration.ofSeconds(20)).until(() -> c.call("GET", "/v1/tasks/" + polite + "/logs", null).asText().contains("up"));
        c.call("POST", "/v1/tasks/" + polite + "/stop", null);
        c.call("POST", "/v1/tasks/" + stubborn + "/stop", null);
        JsonNode p = awaitState(polite, "KILLED");
        assertThat(p.path("exitCode").asInt()).isEqualTo(0);
        assertThat(p.path("reason").asText()).doesNotContain("SIGKILL");
        await().atMost(Duration.ofSeconds(20)).until(() -> c.call("GET", "/v1/tasks/" + polite + "/logs", null).asText().contains("bye"));
        JsonNode s = awaitState(stubborn, "KILLED");
        assertThat(s.path("reason").asText()).contains("killed with SIGKILL after 700ms");
    }

    @Test
    void a_task_past_its_memory_limit_is_killed_and_reported_out_of_memory() {
        assumeTrue(!Cgroups.detect(c.cgroupParent).kind().equals("none"), "cgroups are not writable here");
        String alloc = c.allocate("0.5", "64m");
        String hog = c.task(alloc, "{\"name\":\"hog\",\"command\":\"python3\",\"args\":[\"-c\",\"x = bytearray(256*1024*1024); import time; time.sleep(30)\"]}");
        JsonNode t = awaitState(hog, "FAILED");
        assertThat(t.path("reason").asText()).startsWith("out of memory").contains("64m");
        assertThat(t.path("exitCode").asInt()).isEqualTo(137);
    }

    @Test
    void bad_input_fails_the_task_with_a_reason_and_the_agent_keeps_running() {
        String alloc = c.allocate("0.2", "64m");
        JsonNode missing = awaitState(c.task(alloc, "{\"name\":\"a\",\"command\":\"no-such-command-here\"}"), "FAILED");
        assertThat(missing.path("reason").asText()).startsWith("command 'no-such-command-here' not found on PATH");
        JsonNode outside = awaitState(c.task(alloc, "{\"name\":\"b\",\"command\":\"true\",\"workdir\":\"../../..\"}"), "FAILED");
        assertThat(outside.path("reason").asText()).isEqualTo("workdir '../../..' is outside the task's sandbox");
        JsonNode fine = awaitState(c.task(alloc, "{\"name\":\"c\",\"command\":\"sh\",\"args\":[\"-c\",\"exit 0\"]}"), "EXITED");
        assertThat(fine.path("exitCode").asInt()).isEqualTo(0);
    }

    @Test
    void a_failing_task_is_restarted_by_its_policy_then_fails_with_its_exit_code() {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"flaky\",\"command\":\"sh\",\"args\":[\"-c\",\"echo try; exit 3\"],"
                + "\"restart\":{\"attempts\":2,\"delay\":\"100ms\",\"interval\":\"1m\"}}");
        JsonNode f = awaitState(t, "FAILED");
        assertThat(f.path("restarts").asInt()).isEqualTo(2);
        assertThat(f.path("exitCode").asInt()).isEqualTo(3);
        assertThat(f.path("reason").asText()).isEqualTo("exited with code 3 (stdout: try); no restarts left (2 in 1m)");
        assertThat(c.call("GET", "/v1/tasks/" + t + "/logs", null).asText()).isEqualTo("try\ntry\ntry\n");
    }

    @Test
    void a_status_change_while_the_allocator_is_down_arrives_once_it_is_back() throws Exception {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"short\",\"command\":\"sh\",\"args\":[\"-c\",\"while [ ! -f go ]; do sleep 0.1; done; exit 0\"]}");
        awaitState(t, "RUNNING");
        java.nio.file.Path sandbox = c.root.resolve("agent-m1").resolve("tasks").resolve(t).resolve("sandbox");
        c.server.close();
        java.nio.file.Files.writeString(sandbox.resolve("go"), "");
        TaskProcess p = TaskProcess.load(sandbox.getParent());
        await().atMost(Duration.ofSeconds(20)).until(() -> !p.alive());
        c.restartServer();
        JsonNode done = awaitState(t, "EXITED");
        assertThat(done.path("exitCode").asInt()).isZero();
    }

    @Test
    void reports_that_waited_for_the_allocator_arrive_together_in_one_request() throws Exception {
        String alloc = c.allocate("0.3", "96m");
        java.util.List<String> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tasks.add(c.task(alloc, "{\"name\":\"w" + i + "\",\"command\":\"sh\",\"args\":[\"-c\",\"while [ ! -f go ]; do sleep 0.1; done; exit 0\"]}"));
        }
        tasks.forEach(t -> awaitState(t, "RUNNING"));
        c.server.close();
        for (String t : tasks) { // all three end while the allocator is away: their reports wait in the agent's journal
            java.nio.file.Path dir = c.root.resolve("agent-m1").resolve("tasks").resolve(t);
            java.nio.file.Files.writeString(dir.resolve("sandbox").resolve("go"), "");
            TaskProcess p = TaskProcess.load(dir);
            await().atMost(Duration.ofSeconds(20)).until(() -> !p.alive());
            // and its end is journaled: the report waits in the agent, not still in the loop (a slow machine lags here)
            await().atMost(Duration.ofSeconds(20)).until(() -> java.nio.file.Files.exists(dir.resolve("statuses.jsonl"))
                    && java.nio.file.Files.readString(dir.resolve("statuses.jsonl")).contains("EXITED"));
        }
        c.restartServer();
        for (String t : tasks) {
            assertThat(awaitState(t, "EXITED").path("exitCode").asInt()).isZero();
        }
        String token = java.nio.file.Files.readString(c.root.resolve("server").resolve("metrics.token")).trim();
        try (Response r = c.http.newCall(new Request.Builder().url(c.server.url() + "/metrics").header("Authorization", "Bearer " + token).build()).execute()) {
            String metrics = r.body().string();
            assertThat(metrics.lines().filter(l -> l.startsWith("steward_http_requests_total{") && l.contains("route=\"/v1/agents/{id}/tasks/statuses\"")
                    && l.contains("status=\"200\"")).toList()).as("the waiting reports went in one request").isNotEmpty();
        }
    }

    @Test
    void a_burst_starts_on_the_launcher_threads_and_stops_asked_while_starting_are_carried_out() throws Exception {
        String alloc = c.allocate("0.5", "256m");
        int n = 16;
        java.util.List<String> ids = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<String>> submitted = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String body = "{\"name\":\"b" + i + "\",\"command\":\"sleep\",\"args\":[\"60\"]}";
                submitted.add(clients.submit(() -> c.task(alloc, body)));
            }
            for (java.util.concurrent.Future<String> f : submitted) {
                ids.add(f.get());
            }
        } finally {
            clients.shutdown();
        }
        // every other task is stopped at once: some before the agent hears of them, some while they start
        for (int i = 0; i < n; i += 2) {
            c.call("POST", "/v1/tasks/" + ids.get(i) + "/stop", null);
        }
        java.util.List<ProcessHandle> kept = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                awaitState(ids.get(i), "KILLED");
            } else {
                kept.add(ProcessHandle.of(awaitState(ids.get(i), "RUNNING").path("pid").asLong()).orElseThrow());
            }
        }
        assertThat(kept).allMatch(ProcessHandle::isAlive);
        for (int i = 1; i < n; i += 2) {
            c.call("POST", "/v1/tasks/" + ids.get(i) + "/stop", null);
        }
        for (int i = 1; i < n; i += 2) {
            awaitState(ids.get(i), "KILLED");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> kept.stream().noneMatch(ProcessHandle::isAlive));
        // no process of a stopped task is left: none of the agent's sandboxes has a live task in it
        try (var procs = Files.list(Path.of("/proc"))) {
            long left = procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).filter(p -> {
                try {
                    return Files.readString(p.resolve("environ")).contains("STEWARD_ALLOC_ID=" + alloc);
                } catch (java.io.IOException e) {
                    return false;
                }
            }).count();
            assertThat(left).as("processes of the stopped tasks still running").isZero();
        }
    }

    @Test
    void logs_rotate_past_their_size_and_offsets_stay_valid() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(c.root, "rot");
        java.nio.file.Files.writeString(dir.resolve("stdout.log"), "0123456789");
        LogFiles.rotate(dir, "stdout.log", 5, 3);
        java.nio.file.Files.writeString(dir.resolve("stdout.log"), "abc", java.nio.file.StandardOpenOption.APPEND);
        assertThat(java.nio.file.Files.readString(dir.resolve("stdout.log.1"))).isEqualTo("0123456789");
        LogFiles.Chunk all = LogFiles.read(dir, "stdout.log", 0, 100);
        assertThat(new String(all.bytes())).as("rotated-out bytes are skipped, not mixed in").isEqualTo("abc");
        assertThat(all.next()).isEqualTo(13);
        assertThat(new String(LogFiles.read(dir, "stdout.log", 11, 100).bytes())).isEqualTo("bc");
        assertThat(LogFiles.read(dir, "stdout.log", 13, 100).bytes()).isEmpty();
    }

    @Test
    void a_task_that_turns_unhealthy_is_reported_so_and_restarted_by_its_policy() {
        String alloc = c.allocate("0.2", "64m");
        String t = c.task(alloc, "{\"name\":\"checked\",\"command\":\"sh\",\"args\":[\"-c\",\"touch ok; while :; do sleep 0.1; done\"],"
                // a command check is several programs started (nsenter, setpriv, test): a busy 2-core machine took more than 150 ms, and
                // every restart failed its checks so until none was left
                + "\"healthCheck\":{\"type\":\"command\",\"command\":[\"test\",\"-f\",\"ok\"],\"interval\":\"1s\",\"timeout\":\"1s\",\"threshold\":2},"
                + "\"restart\":{\"attempts\":3,\"delay\":\"100ms\"}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("healthy").asBoolean(false));
        long pid = c.taskInfo(t).path("pid").asLong();
        java.nio.file.Path ok = c.root.resolve("agent-m1").resolve("tasks").resolve(t).resolve("sandbox").resolve("ok");
        await().atMost(Duration.ofSeconds(10)).until(() -> java.nio.file.Files.exists(ok));
        try {
            java.nio.file.Files.delete(ok);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("restarts").asInt() >= 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("healthy").asBoolean(false) && c.taskInfo(t).path("pid").asLong() != pid);
        assertThat(c.taskInfo(t).path("state").asText()).isEqualTo("RUNNING");
        java.nio.file.Path journal = ok.getParent().getParent().resolve("statuses.jsonl");
        assertThat(readAll(journal)).as("the unhealthy transition was reported").contains("\"healthy\":false")
                .containsPattern("health check failed 2 times in a row, last: (exit code 1|did not finish within 1s)"); // what test -f said
    }

    private static String readAll(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
