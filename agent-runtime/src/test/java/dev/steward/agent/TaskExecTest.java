package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import dev.steward.api.AgentSignature;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /v1/tasks/ID/exec} against a real allocator and agent, with real processes: a
 * command runs as its task runs (its uid, cgroups, environment, sandbox), its run is recorded in
 * the allocation's history, another role cannot reach the task, a timeout kills the command's
 * whole process group, a process it leaves behind holding its pipes does not hold the answer,
 * output is cut at its bound, a caller that leaves has its command killed, and at the agent an
 * unsigned request, a replayed one and one past
 * the per-task bound are refused.
 */
class TaskExecTest {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private Cluster c;
    private Agent agent;

    @BeforeEach
    void start() throws Exception {
        c = new Cluster();
        agent = c.agent("m1", Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    private String role(String name) {
        c.call("PUT", "/v1/roles/" + name, "{}");
        return c.call("POST", "/v1/roles/" + name + "/tokens", "{}").path("token").asText();
    }

    /** A running task of the role of {@code token} that says its uid and cgroups, then sleeps; its id once it has said them. */
    private String task(String token) {
        String alloc = c.callAs(token, "POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\"}").path("allocations").get(0).asText();
        String id = c.callAs(token, "POST", "/v1/allocations/" + alloc + "/tasks", "{\"name\":\"web\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"echo uid=$(id -u); cat /proc/self/cgroup; echo ready; exec sleep 600\"],\"env\":{\"GREETING\":\"hello from the task\"},"
                + "\"killTimeout\":\"1s\",\"restart\":{\"attempts\":0}}").path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(id).contains("ready")
                && c.taskInfo(id).path("state").asText().equals("RUNNING"));
        return id;
    }

    private String logs(String task) {
        return c.call("GET", "/v1/tasks/" + task + "/logs", null).asText();
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer exec(String token, String task, String body) throws IOException {
        Request r = new Request.Builder().url(c.server.url() + "/v1/tasks/" + task + "/exec").header("Authorization", "Bearer " + token)
                .post(RequestBody.create(body, Cluster.JSON)).build();
        try (Response resp = c.http.newCall(r).execute()) {
            return new Answer(resp.code(), Json.MAPPER.readTree(resp.body().string()));
        }
    }

    private static String command(String script, String timeout) {
        return "{\"command\":[\"sh\",\"-c\"," + Json.MAPPER.valueToTree(script) + "]" + (timeout == null ? "" : ",\"timeout\":\"" + timeout + "\"") + "}";
    }

    @Test
    void a_command_runs_as_its_task_runs_and_who_ran_it_is_recorded() throws Exception {
        String token = role("team");
        String id = task(token);
        Answer a = exec(token, id, command("echo uid=$(id -u); cat /proc/self/cgroup; echo \"$GREETING in $(pwd)\"; echo oops >&2; exit 3", null));

        assertThat(a.status()).as(a.body().toString()).isEqualTo(200);
        assertThat(a.body().path("exitCode").asInt()).isEqualTo(3);
        assertThat(a.body().path("timedOut").asBoolean()).isFalse();
        assertThat(a.body().path("stderr").asText()).isEqualTo("oops\n");
        String out = a.body().path("stdout").asText();
        Path sandbox = c.root.resolve("agent-m1").resolve("tasks").resolve(id).resolve("sandbox");
        assertThat(out).contains("hello from the task in " + sandbox);
        String taskOut = logs(id);
        assertThat(line(out, "uid=")).as("the task's own uid").isEqualTo(line(taskOut, "uid="));
        if (ROOT) {
            assertThat(Integer.parseInt(line(out, "uid=").substring(4))).as("a task uid, not the agent's").isBetween(61000, 61999);
        }
        List<String> groups = cgroups(out);
        assertThat(groups).as("the task's own cgroups").isNotEmpty().isEqualTo(cgroups(taskOut));
        assertThat(groups).anyMatch(g -> g.contains(c.cgroupParent));

        String alloc = c.taskInfo(id).path("allocationId").asText();
        JsonNode last = lastEvent(alloc);
        assertThat(last.path("event").asText()).isEqualTo("EXEC");
        assertThat(last.path("message").asText()).startsWith("by role team in task web (" + id + "): sh -c 'echo uid=$(id -u);")
                .doesNotContain("\n");
    }

    @Test
    void another_role_cannot_run_a_command_in_a_task_it_does_not_own_and_bad_requests_name_their_field() throws Exception {
        String owner = role("owner");
        String other = role("other");
        String id = task(owner);
        String alloc = c.taskInfo(id).path("allocationId").asText();
        JsonNode before = lastEvent(alloc);

        Answer refused = exec(other, id, command("touch pwned", null));
        assertThat(refused.status()).isEqualTo(404);
        assertThat(lastEvent(alloc)).as("nothing recorded").isEqualTo(before);
        assertThat(c.root.resolve("agent-m1/tasks/" + id + "/sandbox/pwned")).doesNotExist();

        Answer empty = exec(owner, id, "{\"command\":[]}");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.body().path("detail").asText()).startsWith("command: is required");
        Answer longer = exec(owner, id, command("true", "10m"));
        assertThat(longer.status()).isEqualTo(400);
        assertThat(longer.body().path("detail").asText()).contains("timeout").contains("5m");
        Answer huge = exec(owner, id, command("x".repeat(3000), null));
        assertThat(huge.status()).isEqualTo(400);
        assertThat(huge.body().path("detail").asText()).contains("above the limit of 2048");

        c.callAs(owner, "POST", "/v1/tasks/" + id + "/stop", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(id).path("state").asText().equals("KILLED"));
        Answer ended = exec(owner, id, command("true", null));
        assertThat(ended.status()).isEqualTo(409);
        assertThat(ended.body().path("detail").asText()).contains("is not running (it is killed)");
    }

    @Test
    void a_timeout_kills_the_whole_group_and_a_process_left_behind_holds_nothing() throws Exception {
        String token = role("team");
        String id = task(token);

        Answer slow = exec(token, id, command("sleep 301 & echo child=$!; sleep 302", "1s"));
        assertThat(slow.status()).as(slow.body().toString()).isEqualTo(200);
        assertThat(slow.body().path("timedOut").asBoolean()).isTrue();
        assertThat(slow.body().path("exitCode").asInt()).isEqualTo(137);
        long child = Long.parseLong(line(slow.body().path("stdout").asText(), "child=").substring(6));
        assertThat(metrics()).contains("steward_agent_task_commands_total{outcome=\"timed_out\"} 1.0");
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));

        // a process in a session of its own keeps the command's pipes open: the answer does not wait for it
        long began = System.nanoTime();
        Answer left = exec(token, id, command("setsid sleep 303 & echo left; exit 0", "20s"));
        assertThat(left.body().path("timedOut").asBoolean()).isFalse();
        assertThat(left.body().path("stdout").asText()).isEqualTo("left\n");
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(15));
        if (ROOT) { // the task's end kills what its uid left, this too
            c.callAs(token, "POST", "/v1/tasks/" + id + "/stop", null);
            await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.allProcesses()
                    .noneMatch(h -> h.info().commandLine().orElse("").contains("sleep 303")));
        } else {
            ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains("sleep 303")).forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void a_caller_that_leaves_has_its_command_killed_at_once_not_at_its_timeout() throws Exception {
        String token = role("team");
        String id = task(token);
        Path pidFile = c.root.resolve("agent-m1/tasks/" + id + "/sandbox/exec.pid");
        okhttp3.Call call = c.http.newCall(new Request.Builder().url(c.server.url() + "/v1/tasks/" + id + "/exec").header("Authorization", "Bearer " + token)
                .post(RequestBody.create(command("echo $$ > exec.pid; exec sleep 304", "4m"), Cluster.JSON)).build());
        CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> {
            try (Response ignored = call.execute()) {
                // a cancelled call ends in an IOException
            } catch (IOException e) {
                // expected: the call is cancelled below
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile) && Files.readString(pidFile).strip().matches("\\d+"));
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        try {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the command runs").contains(true);
            call.cancel(); // the client goes: its connection to the allocator closes, and the allocator's to the agent
            answered.get(30, java.util.concurrent.TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        } finally { // failing, it is not left behind in the task's cgroup
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics().contains("steward_agent_task_commands_total{outcome=\"abandoned\"} 1.0"));
        assertThat(agent.commandsRunning()).isZero();
        Answer after = exec(token, id, command("echo still here", null));
        assertThat(after.body().path("stdout").asText()).as("the task and its commands go on").isEqualTo("still here\n");
    }

    @Test
    void output_past_its_bound_is_cut_and_said() throws Exception {
        String token = role("team");
        String id = task(token);
        Answer a = exec(token, id, command("head -c 300000 /dev/zero | tr '\\0' a; echo done >&2", null));
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body().path("stdout").asText()).hasSize(dev.steward.api.ExecResult.MAX_OUTPUT).matches("a+");
        assertThat(a.body().path("stdoutTruncated").asBoolean()).isTrue();
        assertThat(a.body().path("stderr").asText()).isEqualTo("done\n");
        assertThat(a.body().path("stderrTruncated").asBoolean()).isFalse();
    }

    @Test
    void the_agent_runs_only_signed_requests_each_once_and_a_few_at_a_time_in_one_task() throws Exception {
        String token = role("team");
        String id = task(token);
        String key = AgentSignature.tokenHash(Identity.load(c.root.resolve("agent-m1")).token());
        String base = "http://" + agent.logAddress().getHostString() + ":" + agent.logAddress().getPort();
        String path = "/v1/tasks/" + id + "/exec";
        String query = "nonce=0123456789abcdef0123&timeout=5s&arg=sh&arg=-c&arg=" + java.net.URLEncoder.encode("echo x >> count; wc -l < count",
                java.nio.charset.StandardCharsets.UTF_8);

        assertThat(post(base + path + "?" + query, null)).as("unsigned").startsWith("401");
        String signature = AgentSignature.sign(key, System.currentTimeMillis(), path + "?" + query);
        assertThat(post(base + path + "?" + query.replace("echo", "ecHo"), signature)).as("altered on the way").startsWith("401");
        String first = post(base + path + "?" + query, signature);
        assertThat(first).startsWith("200").contains("\"stdout\":\"1\\n\"");
        assertThat(post(base + path + "?" + query, signature)).as("replayed").startsWith("409").contains("already run once");
        assertThat(Files.readString(c.root.resolve("agent-m1/tasks/" + id + "/sandbox/count"))).as("run once").isEqualTo("x\n");

        List<CompletableFuture<Answer>> running = new ArrayList<>();
        for (int i = 0; i < TaskExec.MAX_PER_TASK; i++) {
            running.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return exec(token, id, command("sleep 20", "30s"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> agent.commandsRunning() == TaskExec.MAX_PER_TASK);
        Answer third = exec(token, id, command("true", null));
        assertThat(third.status()).isEqualTo(503);
        assertThat(third.body().path("detail").asText()).contains(TaskExec.MAX_PER_TASK + " commands already run in task " + id);
        for (CompletableFuture<Answer> f : running) {
            assertThat(f.get().body().path("exitCode").asInt()).isZero();
        }
        String metrics = metrics();
        assertThat(metrics).contains("steward_agent_task_commands_total{outcome=\"exited\"} 3.0", "steward_agent_task_commands_total{outcome=\"refused\"} 1.0",
                "steward_agent_task_commands_total{outcome=\"timed_out\"} 0.0");
    }

    /** The agent's /metrics, with its metrics token. */
    private String metrics() throws IOException {
        String token = Files.readString(c.root.resolve("agent-m1").resolve("metrics.token")).trim();
        Request r = new Request.Builder().url("http://127.0.0.1:" + agent.logAddress().getPort() + "/metrics").header("Authorization", "Bearer " + token).build();
        try (Response resp = c.http.newCall(r).execute()) {
            return resp.body().string();
        }
    }

    private String post(String url, String signature) throws IOException {
        Request.Builder b = new Request.Builder().url(url).post(RequestBody.create(new byte[0], null));
        if (signature != null) {
            b.header(AgentSignature.HEADER, signature);
        }
        try (Response r = c.http.newCall(b.build()).execute()) {
            return r.code() + " " + r.body().string();
        }
    }

    private JsonNode lastEvent(String alloc) {
        JsonNode h = c.call("GET", "/v1/allocations/" + alloc, null).path("history");
        return h.get(h.size() - 1);
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no line " + prefix + " in " + text));
    }

    private static List<String> cgroups(String text) {
        return text.lines().filter(l -> l.matches("\\d+:[^:]*:/.*")).filter(l -> l.contains(":cpu") || l.contains(":memory") || l.contains(":pids")
                || l.startsWith("0::")).sorted().toList();
    }
}
