package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentJoined;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code steward exec}: the command's output to the same streams, its exit code as the
 * command's own, 124 and a note when its timeout ended it, a note when output was cut, and usage
 * errors that name what to give. The agent is a stand-in that answers as a real one does (the
 * real agent's part is {@code TaskExecTest}); the allocator is real, so what reaches the agent is
 * what the allocator forwards, and the run is in the allocation's history.
 */
class ExecCommandTest {
    @TempDir
    Path dir;

    private StandInAgent agent;
    /** The commands the stand-in agent was asked to run, as it received them. */
    private final List<List<String>> asked = new CopyOnWriteArrayList<>();
    private volatile String answer;

    @BeforeEach
    void standInAgent() throws IOException {
        agent = StandInAgent.start(this::exec);
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    private void exec(HttpExchange x) throws IOException {
        List<String> args = new java.util.ArrayList<>();
        for (String pair : x.getRequestURI().getRawQuery().split("&")) {
            if (pair.startsWith("arg=")) {
                args.add(URLDecoder.decode(pair.substring(4), StandardCharsets.UTF_8));
            }
        }
        asked.add(args);
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(200, body.length);
        x.getResponseBody().write(body);
        x.close();
    }

    /** {@code steward exec ARGS} as the admin of {@code s}: the connection's options first, since what follows "--" is the command. */
    private static CliRun exec(Server s, String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "exec";
        all[1] = "--addr";
        all[2] = s.url();
        all[3] = "--token";
        all[4] = s.adminToken();
        System.arraycopy(args, 0, all, 5, args.length);
        return CliRun.of(all);
    }

    /** A running task on the stand-in agent; its allocation's id. */
    private String running(Server s) throws IOException {
        AgentJoined joined = agent.join(s);
        StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
        String allocation = admin.call("POST", "/v1/requests", Map.of("name", "job", "cpus", "1", "memory", "256m"), JsonNode.class, false)
                .path("allocations").get(0).asText();
        String task = admin.call("POST", "/v1/allocations/" + allocation + "/tasks", Map.of("name", "build", "command", "sleep 600"), JsonNode.class, false)
                .path("id").asText();
        StewardClient.builder(s.url()).token(joined.token()).build()
                .reportTask(joined.agent().id(), task, new TaskStatus(1, TaskState.RUNNING, 4242L, null, null, null, 0, null));
        return allocation;
    }

    @Test
    void theCommandsOutputAndExitCodeAreItsOwnAndItsRunIsRecorded() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            String alloc = running(s);
            answer = "{\"exitCode\":3,\"stdout\":\"out\\n\",\"stderr\":\"err\\n\",\"stdoutTruncated\":false,\"stderrTruncated\":false,"
                    + "\"timedOut\":false,\"elapsedMillis\":12}";
            CliRun run = exec(s, alloc, "--", "sh", "-c", "echo out; echo err >&2; exit 3");
            assertThat(run.code()).as(run.err()).isEqualTo(3);
            assertThat(run.out()).isEqualTo("out\n");
            assertThat(run.err()).isEqualTo("err\n");
            assertThat(asked).containsExactly(List.of("sh", "-c", "echo out; echo err >&2; exit 3"));

            CliRun shown = CliRun.of(CliRun.with(s, "allocations", "show", alloc));
            assertThat(shown.out()).contains("exec       by admin in task build (").contains("): sh -c 'echo out; echo err >&2; exit 3'");
        }
    }

    @Test
    void aCommandItsTimeoutEndedExits124AndOutputCutIsSaid() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            String alloc = running(s);
            answer = "{\"exitCode\":137,\"stdout\":\"partial\\n\",\"stderr\":\"\",\"stdoutTruncated\":true,\"stderrTruncated\":false,"
                    + "\"timedOut\":true,\"elapsedMillis\":2000}";
            CliRun run = exec(s, alloc, "--timeout", "2s", "--", "yes");
            assertThat(run.code()).isEqualTo(ExecCommand.TIMED_OUT);
            assertThat(run.out()).isEqualTo("partial\n");
            assertThat(run.err()).contains("(steward exec: its output was cut at 256 KiB)")
                    .contains("(steward exec: the command ran past its timeout of 2s and was killed; --timeout gives it longer, up to 5m)");
        }
    }

    @Test
    void usageErrorsSayWhatToGive() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            String alloc = running(s);
            CliRun none = exec(s, alloc);
            assertThat(none.code()).isEqualTo(2);
            assertThat(none.err()).contains("give the command to run after --, e.g. steward exec " + alloc + " -- cat config.yaml");
            CliRun longer = exec(s, alloc, "--timeout", "10m", "--", "true");
            assertThat(longer.code()).isEqualTo(2);
            assertThat(longer.err()).contains("--timeout: 10m is outside 1s..5m");
            CliRun task = exec(s, "web", "--env", "prod", "--task", "x", "--", "true");
            assertThat(task.code()).isEqualTo(2);
            assertThat(task.err()).contains("--task goes with an allocation id");
            assertThat(asked).as("nothing ran").isEmpty();
        }
    }
}
