package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a new user trips over, as real processes from the shipped jar: a {@code steward dev}
 * started with its own {@code --data} and {@code --port 0} is found by the other commands
 * without STEWARD_ADDR or STEWARD_TOKEN; a small service is packaged and deployed; then names,
 * rollout actions, logs, status and the usage errors are tried as a person would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FirstRunIT {
    private static DevProcess local;
    private static Path dir;
    private static String addr;
    private static String token;
    private static String digest;

    /** A home of the test's own for the dev and the commands: their registry of local devs finds only this one, whatever else runs here. */
    private static Path home;

    private static List<String> java(String... args) {
        return DevProcess.java(List.of("-Duser.home=" + home), args);
    }

    @BeforeAll
    static void startDev() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        home = Files.createTempDirectory("steward-first-run-home");
        local = DevProcess.start("steward-first-run", List.of("-Duser.home=" + home), "23000-23999");
        dir = local.dir;
        addr = local.addr;
        token = local.token;
        Path app = Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(app.resolve("run.sh"), "echo tiny up on $PORT_HTTP\nexec python3 -u -m http.server $PORT_HTTP --bind 127.0.0.1\n");
    }

    @AfterAll
    static void stopDev() throws Exception {
        if (local == null) {
            return;
        }
        try {
            local.stop();
            assertThat(local.log()).as("steward dev says it stopped").contains("steward dev stopped");
        } finally {
            local.close();
            try (var all = Files.walk(home)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A command with no STEWARD_ADDR or STEWARD_TOKEN: it must find the local dev by itself. */
    private static ProcessBuilder steward(List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(java(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("STEWARD_ADDR");
        pb.environment().remove("STEWARD_TOKEN");
        return pb;
    }

    private static String run(int expectedExit, String... args) throws Exception {
        Process p = steward(List.of(), args).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s exits", List.of(args)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(expectedExit);
        return out;
    }

    private static StewardClient api() {
        return StewardClient.builder(addr).token(token).build();
    }

    /** What steward dev prints before its banner: its own lines, one per message, and none of Jetty's start lines. */
    @Test
    @Order(0)
    void devLogsOneLinePerMessageAndNoJettyStartLines() throws Exception {
        String log = local.log();
        assertThat(log).doesNotContain("org.eclipse.jetty").doesNotContain("doStart");
        assertThat(log.lines().filter(l -> l.contains("joined as agent")))
                .singleElement().asString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  agent\\.Agent: joined as agent \\p{XDigit}+");
    }

    @Test
    @Order(1)
    void commandsFindADevStartedWithItsOwnDataAndPort() throws Exception {
        assertThat(run(0, "status")).contains("1 agent ready").doesNotContain("1 agents");
        digest = run(0, "package", "--dir", "tiny", "--include", "run.sh", "--name", "tiny", "--command", "sh run.sh", "--ports", "http",
                "--cpus", "0.1", "--memory", "64m", "--upload").lines().filter(l -> l.startsWith("sha256:")).findFirst().orElseThrow();
        String out = run(0, "deploy", "tiny", "--env", "staging", "--package-digest", digest, "--instances", "2", "--min-healthy-time", "1s");
        assertThat(out).contains("succeeded").contains("2 of 2 instances available");
    }

    @Test
    @Order(2)
    void statusShowsServicesDeploymentsAndMonitors() throws Exception {
        String out = run(0, "status");
        assertThat(out).contains("SERVICE").contains("tiny/staging").contains("2/2");
        JsonNode j = Json.MAPPER.readTree(run(0, "status", "-o", "json"));
        assertThat(j.path("services").get(0).path("name").asText()).isEqualTo("tiny/staging");
        assertThat(j.has("deployments")).isTrue();
        assertThat(j.has("monitors")).isTrue();
    }

    @Test
    @Order(3)
    void logsByInstanceAndAllocationIdsInTheServiceList() throws Exception {
        String svc = run(0, "services", "tiny", "--env", "staging");
        assertThat(svc).contains("ALLOCATION").contains("--instance #");
        var live = api().deployments().instances("tiny", "staging").stream().filter(i -> !i.state().terminal()).toList();
        assertThat(svc).contains(live.get(0).allocationId());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(run(0, "logs", "tiny", "--env", "staging", "--instance", "0"))
                .contains("tiny up on"));
        assertThat(run(0, "logs", live.get(1).id())).as("an instance id").contains("tiny up on");
        assertThat(run(2, "logs", "tiny", "--env", "staging")).contains("has 2 live instances; choose one with --instance 0..1");
        assertThat(run(2, "logs", "tiny", "--env", "staging", "--instance", "7")).contains("--instance: '7' is not 0..1");
    }

    @Test
    @Order(4)
    void rolloutActionsReturnOnceAcceptedAndAbortOfAnEndedDeploymentIsRefused() throws Exception {
        String started = run(0, "deploy", "tiny", "--env", "staging", "--package-digest", digest, "--vars", "V=2", "--min-healthy-time", "1s",
                "--steps", "1:promote", "--steps", "2:promote", "--detach", "-o", "json");
        String id = Json.MAPPER.readTree(started).path("deployment").path("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> api().deployments().deployment(id).state().name().equals("PAUSED"));
        String status = run(0, "rollout", "status", id); // once, as it stands: a person asks before promoting
        assertThat(status).contains("deployment " + id).contains("PAUSED since ").contains("step 1 of 2").contains("canary step 1 of 2, paused since ");
        assertThat(Json.MAPPER.readTree(run(0, "rollout", "status", id, "-o", "json")).path("pausedAt").asText()).isNotBlank();
        String promoted = run(0, "rollout", "promote", id); // would block to the end before: the next step waits for another promote
        assertThat(promoted).contains("promote: deployment " + id).contains("steward rollout watch " + id);
        await().atMost(Duration.ofSeconds(60)).until(() -> api().deployments().deployment(id).state().name().equals("PAUSED")
                && api().deployments().deployment(id).step() == 1);
        run(0, "rollout", "promote", id);
        await().atMost(Duration.ofSeconds(30)).until(() -> api().deployments().deployment(id).events().stream()
                .anyMatch(e -> e.message().contains("past the last step")));
        assertThat(api().deployments().deployment(id).events()).noneMatch(e -> e.message().contains("step 3"));
        await().atMost(Duration.ofSeconds(60)).until(() -> api().deployments().deployment(id).state().terminal());
        assertThat(run(1, "rollout", "abort", id)).contains("has already ended SUCCEEDED");
    }

    @Test
    @Order(5)
    void aCanaryStepCarriesItsGateFromTheCommandLine() throws Exception {
        String started = run(0, "deploy", "tiny", "--env", "gated", "--package-digest", digest, "--instances", "2", "--min-healthy-time", "1s",
                "--steps", "50%:5s:healthy >= 50%; restarts <= 0", "--detach", "-o", "json");
        JsonNode step = Json.MAPPER.readTree(started).path("deployment").path("rollout").path("steps").get(0);
        assertThat(step.path("weight").asText()).isEqualTo("50%");
        assertThat(step.path("pause").asText()).isEqualTo("5s");
        assertThat(step.path("gate").asText()).isEqualTo("healthy >= 50%; restarts <= 0");
        api().deployments().abort(Json.MAPPER.readTree(started).path("deployment").path("id").asText());
    }

    @Test
    @Order(5)
    void aPromotionRollsOutAsItsFlagsSayAndAnotherConfigIsRefused() throws Exception {
        // staging's stable revision runs V=2 (order 4); a promotion with another value was dropped without a word before
        String refused = run(2, "deploy", "tiny", "--env", "prod", "--promote-from", "staging", "--vars", "V=9");
        assertThat(refused).contains("--vars: differs from what tiny/staging runs (variables [V])").contains("a promotion takes exactly what runs there");
        assertThat(api().deployments().services()).noneMatch(s -> s.name().equals("tiny/prod"));
        // steward promote had no --steps: a canary promotion was refused for want of steps, and could not be given any
        String started = run(0, "promote", "tiny", "--from", "staging", "--to", "prod", "--instances", "2", "--steps", "50%:promote",
                "--min-healthy-time", "1s", "--detach", "-o", "json");
        JsonNode r = Json.MAPPER.readTree(started);
        assertThat(r.path("deployment").path("rollout").path("strategy").asText()).isEqualTo("canary");
        assertThat(r.path("deployment").path("rollout").path("steps").get(0).path("weight").asText()).isEqualTo("50%");
        assertThat(r.path("deployment").path("rollout").path("minHealthyTime").asText()).isEqualTo("1s");
        assertThat(r.path("revision").path("promotedFrom").asText()).startsWith("tiny/staging revision ");
        assertThat(r.path("revision").path("spec").path("vars").path("V").asText()).isEqualTo("2");
        api().deployments().abort(r.path("deployment").path("id").asText());
    }

    @Test
    @Order(5)
    void namesAreCheckedBeforeAnyRequest() throws Exception {
        String out = run(2, "deploy", "tiny", "--env", "roles/evil", "--package-digest", digest);
        assertThat(out).contains("--env").contains("may hold only letters, digits");
        assertThat(run(2, "history", "Web App", "--env", "prod")).contains("'Web App' may hold only");
        assertThat(api().roles()).noneMatch(r -> r.name().equals("evil"));
    }

    @Test
    @Order(6)
    void logsFollowEndsWhenTheTaskHasEnded() throws Exception {
        StewardClient c = api();
        var r = c.submit(dev.steward.api.AllocateRequest.of("0.1", "64m", 1));
        String alloc = r.allocations().get(0);
        c.call("POST", "/v1/allocations/" + alloc + "/tasks", dev.steward.api.TaskSpec.of("brief", "sh", "-c", "echo first; sleep 1; echo last"),
                JsonNode.class, false);
        String out = run(0, "logs", alloc, "-f");
        assertThat(out).contains("first").contains("last").contains("has ended");
        c.cancel(r.id());
    }

    @Test
    @Order(7)
    void usageErrorsAreOneLineWithAPointerToHelp() throws Exception {
        String out = run(2, "status", "--bogus");
        assertThat(out.strip().lines()).hasSizeLessThanOrEqualTo(2);
        assertThat(out).contains("Unknown option: '--bogus'").contains("see 'steward status --help'");
        assertThat(run(2, "rollout", "sideways", "x")).contains("steward rollout: 'sideways' is not status, watch").contains("'steward rollout --help'");
        String help = run(0, "monitor", "--help");
        assertThat(help).doesNotContain("WARN").contains("'cpu < 0.5'").contains("'error-rate < 1%'");
        assertThat(run(1, "status", "--addr", "http://127.0.0.1:1", "--token", "x")).contains("cannot reach the allocator at http://127.0.0.1:1");
    }

    @Test
    @Order(8)
    void anInterruptedDeploySaysTheDeploymentGoesOnAndHowToReachIt() throws Exception {
        Path log = dir.resolve("ctrl-c.log");
        Process p = steward(List.of("env", "--default-signal=INT"), "deploy", "tiny", "--env", "ctrlc", "--package-digest", digest, "--min-healthy-time", "30s")
                .redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("starting"));
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isEqualTo(130);
        assertThat(out).contains("goes on on the allocator").contains("steward rollout watch").contains("steward rollout abort");
    }

    @Test
    @Order(9)
    void deletingAServiceStopsItsProcessesAndForgetsIt() throws Exception {
        run(0, "deploy", "tiny", "--env", "doomed", "--package-digest", digest, "--instances", "1", "--min-healthy-time", "1s");
        String scaled = run(0, "deploy", "tiny", "--env", "doomed", "--package-digest", digest, "--instances", "2", "--min-healthy-time", "1s");
        assertThat(scaled).as("a scale is followed until its instances serve").contains("scaled to 2 instances (from 1)").contains("succeeded")
                .contains("2 of 2 instances available");
        List<dev.steward.api.Endpoint> ends = api().deployments().endpoints("tiny", "doomed");
        assertThat(ends).hasSize(2);
        for (dev.steward.api.Endpoint e : ends) { // the package has no health check: available is running for 1 s, maybe before python listens
            await("its process answers before").atMost(Duration.ofSeconds(30)).until(() -> answers(e));
        }
        String out = run(0, "services", "delete", "tiny", "--env", "doomed");
        assertThat(out).contains("deleting tiny/doomed: 2 instances stopping").contains("deleted tiny/doomed");
        for (dev.steward.api.Endpoint e : ends) {
            assertThat(answers(e)).as("%s: its process was stopped", e).isFalse();
        }
        assertThat(run(0, "services")).doesNotContain("tiny/doomed").contains("tiny/staging");
        assertThat(run(1, "services", "delete", "tiny", "--env", "doomed")).contains("tiny/doomed");
        run(0, "deploy", "tiny", "--env", "doomed", "--package-digest", digest, "--instances", "1", "--detach");
        assertThat(api().deployments().service("tiny", "doomed").revision()).as("the name is free: a new service").isEqualTo(1);
        assertThat(run(0, "services", "delete", "tiny", "--env", "doomed", "--detach")).contains("tiny/doomed");
        await().atMost(Duration.ofSeconds(60)).until(() -> api().deployments().services().stream().noneMatch(s -> s.name().equals("tiny/doomed")));
        assertThat(run(0, "services", "delete", "tiny", "--env", "doomed", "--missing-ok")).contains("nothing to delete");
    }

    private static boolean answers(dev.steward.api.Endpoint e) {
        try (java.net.Socket so = new java.net.Socket()) {
            so.connect(new java.net.InetSocketAddress(e.host(), e.ports().get("http")), 2000);
            return true;
        } catch (java.io.IOException x) {
            return false;
        }
    }
}
