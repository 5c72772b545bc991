package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's tour, run top to bottom as a new user would: the {@code sh} blocks of its "A tour
 * on the embedded default" section, exactly as written, in one bash session against a fresh
 * {@code steward dev} (its own home, data and port), from a directory that holds only the
 * {@code ./steward} script, the jar and the examples. Each command's exit code and output is
 * checked; a command the test does not know fails it, so the README and this test move together.
 */
class ReadmeTourIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private DevProcess local;
    private Path home;

    /** What each tour command must print and exit with, by its first words. */
    private static final Map<String, Expect> EXPECT = new LinkedHashMap<>();

    private record Expect(int exit, List<String> contains) {
    }

    static {
        EXPECT.put("./steward allocate --cpus 0.5", new Expect(0, List.of("allocation ", " port ")));
        EXPECT.put("./steward allocate --cpus 99", new Expect(3, List.of("1 agent: 1 insufficient cpus", "not placed within 5s")));
        EXPECT.put("./steward status --output json", new Expect(0, List.of("\"agents\"", "\"services\"")));
        EXPECT.put("./steward status", new Expect(0, List.of("1 agent ready", "AGENT", "ROLE")));
        EXPECT.put("D=$(./steward package", new Expect(0, List.of("packaged webapp v1", "build/steward/webapp-v1.tar.zst", "uploaded to", "value sha256:")));
        EXPECT.put("./steward deploy webapp --env staging --package-digest $D ", new Expect(0, List.of("succeeded", "3 of 3 instances available")));
        EXPECT.put("./steward services webapp --env staging", new Expect(0, List.of("ALLOCATION", "HEALTHY", "ENDPOINTS")));
        EXPECT.put("./steward logs webapp --env staging --instance 0", new Expect(0, List.of("webapp v1 listening")));
        EXPECT.put("./steward exec webapp --env staging --instance 0 -- cat VERSION", new Expect(0, List.of("v1")));
        EXPECT.put("D2=$(./steward package", new Expect(0, List.of("packaged webapp v2", "value sha256:")));
        EXPECT.put("ID=$(./steward deploy", new Expect(0, List.of("follow it with 'steward rollout watch")));
        EXPECT.put("./steward rollout status $ID", new Expect(0, List.of("deployment ", "canary, step 1 of 1 (34%)", "canary step 1 of 1")));
        EXPECT.put("./steward rollout promote $ID --watch", new Expect(0, List.of("promote: deployment", "succeeded: revision 2")));
        EXPECT.put("./steward promote webapp --from staging --to prod --dry-run", new Expect(0, List.of("would create webapp/prod: revision 1, 1 instance",
                "the instance finds room now", "packageDigest  (none) -> sha256:")));
        EXPECT.put("./steward promote webapp --from staging --to prod", new Expect(0, List.of("succeeded")));
        EXPECT.put("./steward rollback webapp --env staging", new Expect(0, List.of("rollback to revision 1", "succeeded", "REV")));
        EXPECT.put("./steward monitor webapp --env prod", new Expect(0, List.of("PASS")));
        EXPECT.put("./steward services delete webapp --env prod", new Expect(0, List.of("deleting webapp/prod", "stopping", "deleted webapp/prod")));
    }

    @AfterEach
    void stop() throws Exception {
        if (local != null) {
            local.close();
        }
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (agentData != null) { // a stopped agent leaves its tasks running, by design: end them, and what they hold
            TaskCleanup.killTasks(agentData);
            TaskCleanup.removeLeases(agentData);
        }
        for (String cg : cgroups) {
            TaskCleanup.removeCgroups(cg);
        }
        if (home != null) {
            try (var all = Files.walk(home)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The command lines of the tour's sh blocks, continuation lines joined. */
    static List<String> tour(String readme) {
        int from = readme.indexOf("## A tour on the embedded default");
        int to = readme.indexOf("\n## ", from + 1);
        String section = readme.substring(from, to < 0 ? readme.length() : to);
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (m.find()) {
            StringBuilder cmd = new StringBuilder();
            for (String line : m.group(1).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    cmd.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                out.add(cmd.append(line).toString().trim());
                cmd.setLength(0);
            }
        }
        return out;
    }

    @Test
    void theReadmeTourRunsTopToBottomAsWritten() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        home = Files.createTempDirectory("steward-tour-home");
        String javaOpts = "-Duser.home=" + home; // its own ~/.steward: no other dev on this machine is found
        local = DevProcess.start("steward-tour", List.of(javaOpts), "22000-22999");
        runTour(local.dir, javaOpts, Map.of());
    }

    /**
     * The same tour against a cluster that speaks only mutual TLS: {@code steward tls} makes the
     * CA and the certificates, {@code steward server} and {@code steward agent} run with them, and
     * every command of the tour reaches the allocator through {@code STEWARD_CACERT} and a client
     * certificate (and the allocator the agent's log server through its own).
     */
    @Test
    void theReadmeTourRunsOverMutualTls() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        home = Files.createTempDirectory("steward-tls-tour-home");
        // the agent runs as root and each task as a uid of its own, which must pass through to its sandbox under here
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        String javaOpts = "-Duser.home=" + home;
        Path certs = Files.createDirectories(home.resolve("certs"));
        run(List.of(javaOpts), home.resolve("tls.log"), "tls", "ca", "create", "--dir", certs.toString());
        for (String kind : List.of("--server", "--agent", "--client")) {
            run(List.of(javaOpts), home.resolve("tls.log"), "tls", "cert", "create", kind, "--dir", certs.toString());
        }
        String ca = certs.resolve("steward-ca.pem").toString();
        Path data = home.resolve("data");
        Process server = new ProcessBuilder(DevProcess.java(List.of(javaOpts), "server", "--data", data.resolve("server").toString(), "--bind", "127.0.0.1:0",
                "--tls-cert", certs.resolve("server.pem").toString(), "--tls-key", certs.resolve("server-key.pem").toString(), "--ca-cert", ca,
                "--tls-verify-clients")).redirectErrorStream(true).redirectOutput(home.resolve("server.log").toFile()).start();
        processes.add(server);
        await().atMost(Duration.ofSeconds(60)).until(() -> !server.isAlive() || Files.readString(home.resolve("server.log")).contains("listening on"));
        String url = Files.readString(home.resolve("server.log")).replaceAll("(?s).*listening on (\\S+).*", "$1");
        assertThat(url).as(Files.readString(home.resolve("server.log"))).startsWith("https://127.0.0.1:");
        String cgroup = "steward-tls-tour-" + Long.toHexString(System.nanoTime());
        cgroups.add(cgroup);
        agentData = home.resolve("agent");
        Process agent = new ProcessBuilder(DevProcess.java(List.of(javaOpts), "agent", "--server", url,
                "--join-token-file", data.resolve("server/join.token").toString(), "--data", agentData.toString(), "--name", "dev", "--ports", "22000-22999",
                "--cgroup-parent", cgroup, "--ca-cert", ca, "--tls-cert", certs.resolve("agent.pem").toString(),
                "--tls-key", certs.resolve("agent-key.pem").toString(), "--tls-verify-clients", "on"))
                .redirectErrorStream(true).redirectOutput(home.resolve("agent.log").toFile()).start();
        processes.add(agent);
        await().atMost(Duration.ofSeconds(60)).until(() -> !agent.isAlive() || Files.readString(home.resolve("agent.log")).contains("joined as agent"));
        assertThat(agent.isAlive()).as(Files.readString(home.resolve("agent.log"))).isTrue();
        Path dir = Files.createDirectories(home.resolve("tour"));
        runTour(dir, javaOpts, Map.of("STEWARD_ADDR", url, "STEWARD_TOKEN", Files.readString(data.resolve("server/admin.token")).trim(),
                "STEWARD_CACERT", ca, "STEWARD_CLIENT_CERT", certs.resolve("client.pem").toString(),
                "STEWARD_CLIENT_KEY", certs.resolve("client-key.pem").toString()));
    }

    private final List<Process> processes = new ArrayList<>();
    private final List<String> cgroups = new ArrayList<>();
    private Path agentData;

    private static void run(List<String> javaOpts, Path log, String... args) throws Exception {
        Process p = new ProcessBuilder(DevProcess.java(javaOpts, args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("steward %s:\n%s", String.join(" ", args), Files.readString(log)).isZero();
    }

    /** Runs the README's tour in DIR/work against what {@code env} names (nothing: the newest local 'steward dev'), and checks every command. */
    private void runTour(Path dir, String javaOpts, Map<String, String> env) throws Exception {
        assertThat(CliIT.JAR).exists();
        List<String> commands = tour(Files.readString(REPO.resolve("README.md")));
        assertThat(commands).hasSizeGreaterThan(10);
        for (String c : commands) {
            assertThat(EXPECT.keySet()).as("the test knows what '%s' must print", c).anyMatch(c::startsWith);
        }
        Path work = Files.createDirectories(dir.resolve("work"));
        for (String link : List.of("steward", "cli", "examples")) {
            Files.createSymbolicLink(work.resolve(link), REPO.resolve(link));
        }

        StringBuilder script = new StringBuilder("set -u\n");
        for (int i = 0; i < commands.size(); i++) {
            String c = commands.get(i);
            script.append("date +%s%3N >> tour.times\n"); // when each command began, for the time each took (printed below)
            script.append("echo '@@@ ").append(i).append("'\n").append(c).append("\necho \"@@@ rc=$?\"\n");
            Matcher assign = Pattern.compile("^([A-Z0-9]+)=\\$\\(").matcher(c);
            if (assign.find()) {
                script.append("echo \"value ${").append(assign.group(1)).append("}\"\n");
            }
        }
        script.append("date +%s%3N >> tour.times\n");
        Files.writeString(dir.resolve("tour.sh"), script);
        ProcessBuilder pb = new ProcessBuilder("bash", dir.resolve("tour.sh").toString()).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tour.log").toFile());
        pb.environment().remove("STEWARD_ADDR");
        pb.environment().remove("STEWARD_TOKEN");
        pb.environment().put("STEWARD_JAVA_OPTS", javaOpts);
        pb.environment().putAll(env);
        Process tour = pb.start();
        assertThat(tour.waitFor(15, TimeUnit.MINUTES)).as("the tour ends").isTrue();
        String log = Files.readString(dir.resolve("tour.log"));
        printTimes(commands, work.resolve("tour.times"));
        String[] parts = log.split("@@@ ");
        int checked = 0;
        for (String part : parts) {
            Matcher head = Pattern.compile("^(\\d+)\n").matcher(part);
            if (!head.find()) {
                continue;
            }
            int i = Integer.parseInt(head.group(1));
            String c = commands.get(i);
            int next = log.indexOf("@@@ rc=", log.indexOf("@@@ " + i + "\n"));
            Matcher rc = Pattern.compile("@@@ rc=(\\d+)").matcher(log.substring(next));
            assertThat(rc.find()).isTrue();
            String out = part + log.substring(next, log.indexOf('\n', next) + 1) + valueAfter(log, next);
            Expect e = EXPECT.entrySet().stream().filter(x -> c.startsWith(x.getKey())).findFirst().orElseThrow().getValue();
            assertThat(Integer.parseInt(rc.group(1))).as("exit of '%s':\n%s", c, out).isEqualTo(e.exit());
            for (String s : e.contains()) {
                assertThat(out).as("output of '%s'", c).contains(s);
            }
            if (c.startsWith("./steward status --output json")) {
                JsonNode j = Json.MAPPER.readTree(out.substring(out.indexOf('{'), out.lastIndexOf('}') + 1));
                assertThat(j.path("agents").get(0).path("name").asText()).isEqualTo("dev");
            }
            checked++;
        }
        assertThat(checked).as("every tour command ran:\n%s", log).isEqualTo(commands.size());
        assertThat(work.resolve("build/monitor/monitor.html")).exists();
    }

    /** How long each command took, from the times the script wrote before each and at its end: where the tour's time goes. */
    private static void printTimes(List<String> commands, Path times) throws java.io.IOException {
        if (!Files.exists(times)) {
            return;
        }
        List<Long> at = Files.readAllLines(times).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
        StringBuilder out = new StringBuilder("the tour took " + (at.get(at.size() - 1) - at.get(0)) + " ms:\n");
        for (int i = 0; i + 1 < at.size() && i < commands.size(); i++) {
            String c = commands.get(i);
            out.append(String.format("%7d ms  %s%n", at.get(i + 1) - at.get(i), c.length() > 90 ? c.substring(0, 90) + "..." : c));
        }
        System.out.print(out);
    }

    private static String valueAfter(String log, int rcAt) {
        int nl = log.indexOf('\n', rcAt);
        int v = log.indexOf("value ", nl);
        return v == nl + 1 ? log.substring(v, log.indexOf('\n', v)) : "";
    }
}
