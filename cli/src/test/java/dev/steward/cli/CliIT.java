package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
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

/**
 * The real command as processes, from the shipped jar ({@code target/steward.jar}, built in the
 * package phase; this runs after it, under failsafe): {@code steward dev}, then {@code allocate},
 * {@code status} and {@code logs} against it.
 */
class CliIT {
    private static Path dir;
    private static Process devProcess;
    private static String addr;
    private static String token;

    static final Path JAR = Path.of("target", "steward.jar").toAbsolutePath();

    private static List<String> java(String... args) {
        return DevProcess.java(List.of(), args);
    }

    @BeforeAll
    static void startDev() throws Exception {
        dir = Files.createTempDirectory("steward-cli");
        devProcess = new ProcessBuilder(java("dev", "--data", dir.toString(), "--port", "0", "--ports", "28000-28999")) // its own ports: the other ITs run beside it (cli/pom.xml).redirectErrorStream(true)
                .redirectOutput(dir.resolve("local.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !devProcess.isAlive() || Files.readString(dir.resolve("local.log")).contains("export STEWARD_TOKEN="));
        String log = Files.readString(dir.resolve("local.log"));
        assertThat(log).contains("steward dev ready in");
        if ("root".equals(System.getProperty("user.name"))) { // said, since nothing keeps a root laptop's tasks apart
            assertThat(log).contains("tasks: run as root, as you");
        } else {
            assertThat(log).doesNotContain("tasks: run as root");
        }
        addr = log.replaceAll("(?s).*export STEWARD_ADDR=(\\S+).*", "$1");
        token = log.replaceAll("(?s).*export STEWARD_TOKEN=(\\S+).*", "$1");
    }

    @AfterAll
    static void stopDev() throws Exception {
        if (devProcess != null) {
            devProcess.destroy();
            if (!devProcess.waitFor(20, TimeUnit.SECONDS)) {
                devProcess.destroyForcibly().waitFor();
            }
        }
        if (dir != null) {
            try (var all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static ProcessBuilder steward(String... args) {
        return steward(List.of(), args);
    }

    private static ProcessBuilder steward(List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(java(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(Map.of("STEWARD_ADDR", addr, "STEWARD_TOKEN", token));
        return pb;
    }

    private static String run(int expectedExit, String... args) throws Exception {
        Process p = steward(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isEqualTo(expectedExit);
        return out;
    }

    private static StewardClient api() {
        return StewardClient.builder(addr).token(token).build();
    }

    @Test
    void allocate_gives_the_command_its_allocation_exits_with_its_code_and_releases_even_on_failure() throws Exception {
        String out = run(4, "allocate", "--cpus", "0.5", "--memory", "128m", "--ports", "http,db", "--",
                "sh", "-c", "echo alloc=$STEWARD_ALLOC_ID agent=$STEWARD_AGENT http=$STEWARD_PORT_HTTP db=$STEWARD_PORT_DB cpus=$STEWARD_CPUS; exit 4");
        String alloc = out.replaceAll("(?s).*alloc=(\\S+).*", "$1");
        assertThat(out).contains("agent=dev").containsPattern("http=\\d+ db=\\d+ cpus=0.5");
        assertThat(api().allocation(alloc).state().name()).isEqualTo("RELEASED");
    }

    @Test
    void an_interrupted_allocate_stops_its_command_and_releases() throws Exception {
        Path marker = dir.resolve("alloc-id");
        // as from a terminal: SIGINT at its default even if this test runs where it is ignored (a background
        // job of a script ignores it, and a JVM that starts with it ignored never handles it)
        Process p = steward(List.of("env", "--default-signal=INT"), "allocate", "--cpus", "0.2", "--", "sh", "-c",
                "echo $STEWARD_ALLOC_ID > " + marker + "; sleep 60")
                .redirectErrorStream(true).redirectOutput(dir.resolve("int.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker) && !Files.readString(marker).isBlank());
        String alloc = Files.readString(marker).trim();
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the interrupted allocate exits").isTrue();
        String log = Files.readString(dir.resolve("int.log"));
        assertThat(p.exitValue()).as(log).isEqualTo(130);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(api().allocation(alloc).state().name()).as(log).isEqualTo("RELEASED"));
        assertThat(Files.readString(dir.resolve("int.log"))).contains("released request");
    }

    @Test
    void an_allocation_that_ends_under_the_command_stops_it_and_every_process_it_started_and_exits_4() throws Exception {
        dev.steward.api.AgentInfo agent = api().agents().get(0);
        String free = (agent.total().cpuMillis() - agent.allocated().cpuMillis()) + "m"; // so a higher priority must take it back
        Path marker = dir.resolve("preempted-alloc");
        Path child = dir.resolve("preempted-child");
        Process p = steward("allocate", "--cpus", free, "--memory", "64m", "--priority", "10", "--preemptible", "--", "sh", "-c",
                "sleep 120 & echo $! > " + child + "; echo $STEWARD_ALLOC_ID > " + marker + "; wait")
                .redirectErrorStream(true).redirectOutput(dir.resolve("preempted.log").toFile()).start();
        try {
            preemptedUnder(p, free, marker, child);
        } finally { // nothing outlives the test, even when it fails
            p.destroyForcibly();
            if (Files.exists(child) && !Files.readString(child).isBlank()) {
                ProcessHandle.of(Long.parseLong(Files.readString(child).trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** {@code p} holds {@code free} cpus at a low priority; a request at a high one for as much preempts it under its command. */
    private void preemptedUnder(Process p, String free, Path marker, Path child) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(marker) && !Files.readString(marker).isBlank());
        String alloc = Files.readString(marker).trim();
        long sleeper = Long.parseLong(Files.readString(child).trim());
        assertThat(ProcessHandle.of(sleeper)).isPresent();

        run(0, "allocate", "--cpus", free, "--memory", "64m", "--priority", "900", "--", "true"); // preempts it
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the allocate whose allocation ended exits").isTrue();
        String log = Files.readString(dir.resolve("preempted.log"));
        assertThat(p.exitValue()).as(log).isEqualTo(4);
        assertThat(log).contains("Steward allocation " + alloc + " on agent dev was preempted").contains("the body is stopped")
                .doesNotContain("will retry");
        await("the command's own child was stopped too (a zombie until its new parent reaps it)").atMost(Duration.ofSeconds(10))
                .until(() -> !ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false));
        assertThat(api().allocation(alloc).state().name()).isEqualTo("PREEMPTED");
    }

    @Test
    void a_request_that_cannot_be_placed_says_why_and_exits_3() throws Exception {
        String out = run(3, "allocate", "--cpus", "500", "--wait", "1s", "--", "true");
        assertThat(out).contains("insufficient cpus").contains("not placed within 1s");
    }

    @Test
    void bad_flags_exit_2_naming_the_flag() throws Exception {
        assertThat(run(2, "allocate", "--memory", "lots", "--", "true")).contains("--memory: 'lots' is not a size");
        assertThat(run(2, "allocate", "--cpus", "0", "--", "true")).contains("--cpus: is 0, below the least an allocation may have");
    }

    @Test
    void status_prints_agents_and_roles_and_json_parses() throws Exception {
        assertThat(run(0, "status")).contains("AGENT").contains("dev").contains("ROLE").contains("default");
        JsonNode j = Json.MAPPER.readTree(run(0, "status", "--output", "json"));
        assertThat(j.path("agents").get(0).path("name").asText()).isEqualTo("dev");
    }

    /**
     * A second {@code steward dev} on the data directory of one that runs is refused, naming the first; before, it
     * opened the same database, recovered the first's tasks as its own and, on stopping, stopped them.
     */
    @Test
    void a_second_dev_on_the_data_directory_of_one_that_runs_is_refused_naming_it_and_touches_nothing_of_it() throws Exception {
        StewardClient c = api();
        var r = c.submit(dev.steward.api.AllocateRequest.of("0.1", "64m", 1));
        String alloc = r.allocations().get(0);
        String task = c.call("POST", "/v1/allocations/" + alloc + "/tasks", dev.steward.api.TaskSpec.of("steady", "sleep", "600"), JsonNode.class, false)
                .path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.task(task).state() == dev.steward.api.TaskState.RUNNING);
        String agent = c.allocation(alloc).agentId();

        Process second = new ProcessBuilder(java("dev", "--data", dir.toString(), "--port", "0", "--ports", "28000-28999")).redirectErrorStream(true).start();
        String out = new String(second.getInputStream().readAllBytes());
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(second.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("steward dev: the data directory " + dir.toAbsolutePath().normalize() + " is in use by steward dev (pid " + devProcess.pid() + ")")
                .contains("give this one a data directory of its own").doesNotContain("ready in");

        assertThat(c.task(task).state()).as("the first's task runs on").isEqualTo(dev.steward.api.TaskState.RUNNING);
        assertThat(c.task(task).restarts()).isZero();
        assertThat(c.agents()).as("the first's agent, alone and ready").singleElement()
                .satisfies(a -> assertThat(a.id() + " " + a.status()).isEqualTo(agent + " READY"));
        c.cancel(r.id());
    }

    /** A task's output is printed as it is, colours and all (as kubectl logs does), where everything else the command prints is escaped. */
    @Test
    void logs_prints_a_tasks_output_as_it_is() throws Exception {
        StewardClient c = api();
        var r = c.submit(dev.steward.api.AllocateRequest.of("0.1", "64m", 1));
        String alloc = r.allocations().get(0);
        c.call("POST", "/v1/allocations/" + alloc + "/tasks", dev.steward.api.TaskSpec.of("hello", "sh", "-c",
                "printf '\\033[32mhello from the task\\033[0m\\n'; for n in 1 2 3 4 5; do echo line $n; done"), JsonNode.class, false);
        await().atMost(Duration.ofSeconds(30)).until(() -> run(0, "logs", alloc).contains("\u001b[32mhello from the task\u001b[0m"));
        await().atMost(Duration.ofSeconds(30)).until(() -> run(0, "logs", alloc).endsWith("line 5\n"));
        assertThat(run(0, "logs", alloc, "--tail", "2")).as("the last two lines, as kubectl logs --tail").isEqualTo("line 4\nline 5\n");
        assertThat(run(0, "logs", alloc, "--tail", "100")).startsWith("\u001b[32mhello from the task").endsWith("line 5\n");
        assertThat(run(0, "logs", alloc, "--stderr", "--tail", "3")).isEmpty();
        assertThat(run(2, "logs", alloc, "--tail", "0")).contains("--tail: 0 is not 1..100000");
        c.cancel(r.id());
    }

    /** A rollout that an instance failed ends with what that instance last wrote, and where to read the rest. */
    @Test
    void a_failed_rollout_shows_what_its_failed_instance_last_wrote() throws Exception {
        String digest = uploadScript("capp", "echo starting\nfor n in 1 2 3 4 5 6 7 8 9 10 11 12; do echo \"trace $n\" >&2; done\n"
                + "echo \"KeyError: 'DATABASE_URL'\" >&2\nexit 3\n");
        String out = run(1, "deploy", "capp", "--env", "it", "--package-digest", digest, "--cpus", "0.1", "--memory", "32m", "--min-healthy-time", "1s",
                "--restart", "attempts=0", "--timeout", "2m");
        assertThat(out).containsPattern("deployment [0-9a-f]{16} failed: instance ([0-9a-f]{16}) of revision 1 failed: exited with code 3 "
                + "\\(stderr: KeyError: 'DATABASE_URL'\\)");
        String instance = out.replaceAll("(?s).*failed: instance ([0-9a-f]{16}) of revision 1 failed.*", "$1");
        assertThat(out).as("the last 10 lines of its stderr").contains("its last stderr:\n  | trace 4\n").doesNotContain("trace 3\n")
                .contains("  | trace 12\n  | KeyError: 'DATABASE_URL'\nall of it: steward logs " + instance + " (and --stderr)");
        String deployment = out.replaceAll("(?s).*deployment ([0-9a-f]{16}) failed: .*", "$1");
        assertThat(run(0, "rollout", "status", deployment)).as("the status of the ended deployment too").contains("its last stderr:\n  | trace 4\n");
        run(0, "services", "delete", "capp", "--env", "it");
    }

    /**
     * The same deploy run again while the first still rolls out (another pipeline, a replay)
     * follows that rollout and exits with its outcome; with --detach it prints that rollout's id.
     * Before, it printed "already rolling out" and exited 0 at once, and --detach printed no id.
     */
    @Test
    void the_same_deploy_again_while_it_rolls_out_follows_that_rollout() throws Exception {
        String digest = uploadScript("rapp", "echo up\nexec sleep 3600\n");
        List<String> deploy = List.of("deploy", "rapp", "--env", "it", "--package-digest", digest, "--instances", "2", "--cpus", "0.1", "--memory", "32m",
                "--min-healthy-time", "1s", "--timeout", "2m");
        run(0, concat(deploy, "--vars", "V=1"));
        String canary = run(0, concat(deploy, "--vars", "V=2", "--steps", "50%:promote", "--detach")).lines().findFirst().orElseThrow();
        assertThat(canary).matches("[0-9a-f]{16}");
        await().atMost(Duration.ofSeconds(60)).until(() -> api().deployments().deployment(canary).state() == dev.steward.api.DeploymentState.PAUSED);
        assertThat(run(0, concat(deploy, "--vars", "V=2", "--steps", "50%:promote", "--detach"))).as("the id of the rollout under way")
                .startsWith(canary + "\n").contains("is already rolling out revision 2");
        Path followed = dir.resolve("again.out");
        Process again = steward(concat(deploy, "--vars", "V=2", "--steps", "50%:promote")).redirectErrorStream(true).redirectOutput(followed.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(followed).contains("is already rolling out revision 2"));
            run(0, "rollout", "abort", canary);
            assertThat(again.waitFor(60, TimeUnit.SECONDS)).as("it follows the rollout to its end").isTrue();
            assertThat(again.exitValue()).as(Files.readString(followed)).isEqualTo(1);
            assertThat(Files.readString(followed)).contains("deployment " + canary + " aborted");
        } finally {
            again.destroyForcibly().waitFor();
        }
        run(0, "services", "delete", "rapp", "--env", "it");
    }

    @Test
    void a_services_instance_reads_the_secret_set_from_stdin_as_a_file_of_its_own() throws Exception {
        String digest = uploadScript("sapp", "echo \"value=$(cat \"$STEWARD_SECRETS/db-password\") mode=$(stat -c %a \"$STEWARD_SECRETS/db-password\")\"\n"
                + "exec sleep 3600\n");

        Process set = steward("secrets", "set", "sapp", "--env", "it", "db-password").redirectErrorStream(true).start();
        set.getOutputStream().write("it-s3cret-value\n".getBytes());
        set.getOutputStream().close();
        String said = new String(set.getInputStream().readAllBytes());
        assertThat(set.waitFor()).as(said).isZero();
        assertThat(said).contains("version 1").doesNotContain("it-s3cret-value");

        String deployed = run(0, "deploy", "sapp", "--env", "it", "--package-digest", digest, "--secrets", "db-password", "--cpus", "0.1", "--memory", "32m",
                "--min-healthy-time", "1s", "--timeout", "2m");
        assertThat(deployed).contains("succeeded").doesNotContain("it-s3cret-value");
        await().atMost(Duration.ofSeconds(30)).until(() -> run(0, "logs", "sapp", "--env", "it", "--instance", "0").contains("value=it-s3cret-value mode=400"));
        assertThat(run(0, "history", "sapp", "--env", "it")).doesNotContain("it-s3cret-value");
        run(0, "services", "delete", "sapp", "--env", "it");
        run(0, "secrets", "delete", "sapp", "--env", "it", "db-password");
    }

    @Test
    void a_restart_replaces_every_instance_by_a_fresh_process_that_reads_the_secret_set_since() throws Exception {
        String digest = uploadScript("tapp", "echo \"token=$(cat \"$STEWARD_SECRETS/token\")\"\nexec sleep 3600\n");
        setSecret("tapp", "token", "tok-one");
        run(0, "deploy", "tapp", "--env", "it", "--package-digest", digest, "--secrets", "token", "--instances", "2", "--cpus", "0.1", "--memory", "32m",
                "--min-healthy-time", "1s", "--timeout", "2m");
        java.util.regex.Pattern r1 = java.util.regex.Pattern.compile("(?m)^\\[r1 [0-9a-f]{16}\\] token=tok-one$");
        await().atMost(Duration.ofSeconds(30)).until(() -> r1.matcher(run(0, "logs", "tapp", "--env", "it", "--all")).results().count() == 2);
        List<String> before = api().deployments().instances("tapp", "it").stream().map(i -> i.taskId()).toList();

        setSecret("tapp", "token", "tok-two"); // instances that run keep the value they started with, until they are restarted
        String plan = run(0, "restart", "tapp", "--env", "it", "--dry-run");
        assertThat(plan).contains("would restart tapp/it: revision 1's package and config as revision 2, every one of its 2 instances replaced (rolling)")
                .containsPattern("secrets.token +version 1 -> version 2");
        assertThat(run(2, "restart", "tapp", "--env", "it", "--max-surge", "lots")).contains("--max-surge");

        String restarted = run(0, "restart", "tapp", "--env", "it", "--reason", "token rotated", "--timeout", "2m");
        assertThat(restarted).contains("restarting revision 1 as revision 2: 2 instances replaced, rolling").contains("succeeded");
        java.util.regex.Pattern r2 = java.util.regex.Pattern.compile("(?m)^\\[r2 [0-9a-f]{16}\\] token=tok-two$");
        await().atMost(Duration.ofSeconds(30)).until(() -> r2.matcher(run(0, "logs", "tapp", "--env", "it", "--all")).results().count() == 2);
        List<dev.steward.api.InstanceInfo> live = api().deployments().instances("tapp", "it").stream().filter(i -> !i.state().terminal()).toList();
        assertThat(live).hasSize(2).allSatisfy(i -> {
            assertThat(i.revision()).isEqualTo(2);
            assertThat(before).doesNotContain(i.taskId());
        });
        assertThat(run(0, "history", "tapp", "--env", "it")).containsPattern("(?m)^2 +\\*s .*restart of 1$").doesNotContain("tok-two");

        // one instance alone: a fresh one beside it first, then it stops; no new revision
        String one = live.get(0).id();
        assertThat(run(2, "restart", "tapp", "--env", "it", "--instance", "7")).contains("--instance: '7' is not 0..1");
        assertThat(run(2, "restart", "tapp", "--env", "it", "--instance", "0", "--max-surge", "1")).contains("--max-surge goes with the restart of a whole service");
        String single = run(0, "restart", "tapp", "--env", "it", "--instance", one, "--reason", "stuck", "--timeout", "2m");
        assertThat(single).contains("restarting instance " + one + " of tapp/it (revision 2)").contains("starting fresh instance ").contains(" is available at ")
                .containsPattern("restarted instance " + one + " of tapp/it: [0-9a-f]{16} runs in its place");
        List<dev.steward.api.InstanceInfo> after = api().deployments().instances("tapp", "it").stream().filter(i -> !i.state().terminal()).toList();
        assertThat(after).hasSize(2).noneMatch(i -> i.id().equals(one)).anyMatch(i -> one.equals(i.movedFrom()));
        assertThat(api().deployments().revisions("tapp", "it")).as("no new revision").hasSize(2);
        assertThat(run(0, "services", "tapp", "--env", "it")).contains("(took over from " + one + ", restarted)");
        // with --output json, stdout is one document: how it ended (the steps go to stderr)
        String other = after.stream().filter(i -> !one.equals(i.movedFrom())).findFirst().orElseThrow().id();
        Process p = steward("restart", "tapp", "--env", "it", "--instance", other, "--timeout", "2m", "-o", "json")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        JsonNode outcome = Json.MAPPER.readTree(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s", outcome).isZero();
        assertThat(outcome.path("restarted").asBoolean()).as("%s", outcome).isTrue();
        assertThat(outcome.path("instance").path("id").asText()).isEqualTo(other);
        assertThat(outcome.path("replacement").path("movedFrom").asText()).isEqualTo(other);
        assertThat(outcome.path("replacement").path("state").asText()).isEqualTo("HEALTHY");
        run(0, "services", "delete", "tapp", "--env", "it");
        run(0, "secrets", "delete", "tapp", "--env", "it", "token");
    }

    private static void setSecret(String app, String name, String value) throws Exception {
        Process set = steward("secrets", "set", app, "--env", "it", name).redirectErrorStream(true).start();
        set.getOutputStream().write((value + "\n").getBytes());
        set.getOutputStream().close();
        String said = new String(set.getInputStream().readAllBytes());
        assertThat(set.waitFor()).as(said).isZero();
    }

    @Test
    void logs_all_prints_every_instance_prefixed_and_follows_those_a_rollout_starts() throws Exception {
        String digest = uploadScript("mapp", "echo \"hello from $STEWARD_ALLOC_ID v$VERSION\"\nexec sleep 3600\n");
        List<String> deploy = List.of("deploy", "mapp", "--env", "it", "--package-digest", digest, "--instances", "2", "--cpus", "0.1", "--memory", "32m",
                "--min-healthy-time", "1s", "--timeout", "2m");
        run(0, concat(deploy, "--vars", "VERSION=1"));
        java.util.regex.Pattern v1 = java.util.regex.Pattern.compile("(?m)^\\[r1 [0-9a-f]{16}\\] hello from \\S+ v1$");
        await().atMost(Duration.ofSeconds(30)).until(() -> v1.matcher(run(0, "logs", "mapp", "--env", "it", "--all")).results().count() == 2);

        Path followed = dir.resolve("follow.out");
        Process follow = steward("logs", "mapp", "--env", "it", "--all", "-f").redirectOutput(followed.toFile())
                .redirectError(dir.resolve("follow.err").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> v1.matcher(Files.readString(followed)).results().count() == 2);
            run(0, concat(deploy, "--vars", "VERSION=2")); // a rolling update: two new instances, the old two stopped
            java.util.regex.Pattern v2 = java.util.regex.Pattern.compile("(?m)^\\[r2 [0-9a-f]{16}\\] hello from \\S+ v2$");
            await().atMost(Duration.ofSeconds(30)).until(() -> v2.matcher(Files.readString(followed)).results().count() == 2);
            Path one = dir.resolve("follow-one.out");
            Process bounded = steward("logs", "mapp", "--env", "it", "--all", "-f", "--max-follows", "1").redirectOutput(one.toFile())
                    .redirectError(dir.resolve("follow-one.err").toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("follow-one.err")).contains("is not followed yet: --max-follows is 1")
                        && v2.matcher(Files.readString(one)).results().count() == 1);
            } finally {
                bounded.destroyForcibly().waitFor();
            }
            run(0, "services", "delete", "mapp", "--env", "it");
            assertThat(follow.waitFor(60, TimeUnit.SECONDS)).as("the follow ends once the service is gone").isTrue();
            String said = Files.readString(dir.resolve("follow.err"));
            assertThat(follow.exitValue()).as(said).isZero();
            assertThat(said).contains("of revision 1 has ended");
            assertThat(Files.readString(followed).lines()).as("whole lines, each an instance's").allMatch(l -> l.matches("\\[r[12] [0-9a-f]{16}\\] hello from \\S+ v[12]"));
        } finally {
            follow.destroyForcibly().waitFor();
        }
        assertThat(run(2, "logs", "mapp", "--all")).contains("--all goes with an app and --env");
    }

    /** Packages a one-file app (run.sh holding {@code script}; its command 'sh run.sh') as NAME version 1 and uploads it; its digest. */
    private static String uploadScript(String name, String script) throws Exception {
        Path tree = Files.createDirectories(dir.resolve(name + "-app"));
        Files.writeString(tree.resolve("run.sh"), script);
        Process pkg = steward("package", "--dir", tree.toString(), "--name", name, "--version", "1", "--command", "sh run.sh", "--upload").start();
        String digest = new String(pkg.getInputStream().readAllBytes()).trim();
        assertThat(pkg.waitFor()).as(new String(pkg.getErrorStream().readAllBytes())).isZero();
        return digest;
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    @Test
    void package_prints_the_digest_uploads_once_and_prints_json() throws Exception {
        Path app = Files.createDirectories(dir.resolve("app/build/libs"));
        Files.writeString(app.resolve("web.jar"), "not really a jar");
        Files.writeString(dir.resolve("app/notes.txt"), "left out");
        List<String> args = List.of("package", "--dir", "app", "--include", "build/libs/*.jar", "--name", "web", "--version", "1.0",
                "--command", "exec java -jar build/libs/web.jar --port=$PORT_HTTP", "--ports", "http", "--health-http", "/healthz",
                "--git-commit", "0123456789abcdef", "--built-at", "2026-11-27T10:00:00Z", "--upload");
        Process p = steward(args.toArray(String[]::new)).start();
        String digest = new String(p.getInputStream().readAllBytes()).trim();
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor()).as(err).isZero();
        assertThat(digest).matches("sha256:[0-9a-f]{64}");
        assertThat(err).contains("packaged web 1.0: 1 files").contains("uploaded to " + addr);
        assertThat(api().packages().exists(digest)).isTrue();
        assertThat(Files.exists(dir.resolve("build/steward/web-1.0.tar.zst"))).isTrue();
        assertThat(err).as("says where the file is").contains(dir.toRealPath().resolve("build/steward/web-1.0.tar.zst").toString());

        List<String> json = new ArrayList<>(args);
        json.addAll(List.of("--output", "json"));
        JsonNode j = Json.MAPPER.readTree(run(0, json.toArray(String[]::new)));
        assertThat(j.path("digest").asText()).as("the same inputs give the same digest").isEqualTo(digest);
        assertThat(j.path("uploaded").asBoolean(true)).as("already stored").isFalse();
        assertThat(j.path("manifest").path("healthCheck").path("port").asText()).isEqualTo("http");
        assertThat(j.path("manifest").path("provenance").path("gitCommit").asText()).isEqualTo("0123456789abcdef");
    }

    @Test
    void package_refuses_bad_flags_naming_them() throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        assertThat(run(2, "package", "--dir", "empty", "--name", "bad name")).contains("--name: 'bad name' may hold only");
        assertThat(run(2, "package", "--dir", "empty", "--name", "web", "--git-commit", "nope")).contains("--git-commit: 'nope' is not a git commit id");
        assertThat(run(2, "package", "--dir", "empty", "--name", "web", "--include", "dist/**")).contains("--include: 'dist/**' matched no file");
    }

    @Test
    void monitor_and_deploy_refuse_bad_input_naming_the_flag() throws Exception {
        assertThat(run(2, "monitor", "webapp", "--env", "nowhere", "--gates", "happiness > 3")).contains("--gates:").contains("'happiness' is not a signal");
        assertThat(run(1, "monitor", "webapp", "--env", "nowhere", "--gates", "error-rate < 1%")).contains("no service 'webapp/nowhere'");
        assertThat(run(2, "deploy", "webapp", "--env", "staging")).contains("--package-digest: is required for webapp/staging, which runs no revision yet");
        assertThat(run(2, "deploy", "webapp", "--env", "staging", "--package-digest", "sha256:" + "0".repeat(64), "--promote-from", "dev"))
                .contains("give --package-digest or --promote-from, not both");
        assertThat(run(2, "deploy", "webapp", "--env", "staging", "--package-digest", "sha256:" + "0".repeat(64), "--strategy", "sideways"))
                .contains("--strategy:").contains("'sideways' is not rolling, canary, bluegreen or recreate");
        assertThat(run(1, "deploy", "webapp", "--env", "staging", "--package-digest", "sha256:" + "0".repeat(64))).contains("is not stored on this allocator");
    }
}
