package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two roles' tasks on one real agent, tried as a hostile tenant would: role A's task goes after
 * role B's secret file, its log, its {@code /proc/PID/environ}, its sandbox, and signals its
 * process. Each attempt fails with EACCES or EPERM, because each task runs as a uid of its own,
 * and B's task runs on untouched. A role names a system user to run as only where an admin
 * allowed it, and root also needs the agent's consent.
 */
class TenantIsolationTest {
    private static final String SECRET = "b-secret-" + "q".repeat(30);
    private static final String B_ENV = "b-private-environment-" + "z".repeat(20);
    private static final String B_LOG = "b-private-log-line-" + "w".repeat(20);
    private Cluster c;

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: a uid per task needs the agent to run as root");
        c = new Cluster();
        c.agent("m1", Map.of());
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

    private String task(String token, String name, String script, String extra) {
        String alloc = c.callAs(token, "POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\"}").path("allocations").get(0).asText();
        return c.callAs(token, "POST", "/v1/allocations/" + alloc + "/tasks", "{\"name\":\"" + name + "\",\"command\":\"sh\",\"args\":[\"-c\","
                + Json.MAPPER.valueToTree(script) + "],\"killTimeout\":\"1s\"" + extra + "}").path("id").asText();
    }

    /**
     * A task of the role of {@code token} that is lent a port "http" and never listens on it, with
     * {@code extra} in its spec and no restarts; once it runs, its id and the port.
     */
    private String[] quietHolderOfAPort(String token, String extra) {
        String alloc = c.callAs(token, "POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\",\"ports\":[\"http\"]}").path("allocations").get(0).asText();
        int port = c.call("GET", "/v1/allocations/" + alloc, null).path("ports").path("http").asInt();
        assertThat(port).isPositive();
        String id = c.callAs(token, "POST", "/v1/allocations/" + alloc + "/tasks", "{\"name\":\"victim\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"echo ready; exec sleep 600\"],\"killTimeout\":\"1s\",\"restart\":{\"attempts\":0}" + extra + "}").path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(id).contains("ready"));
        return new String[] {id, Integer.toString(port)};
    }

    /** A task of the role of {@code token} that binds {@code port} and answers every connection on it; once it listens, its id. */
    private String squatter(String token, int port) {
        String squat = task(token, "squat", "exec /usr/bin/python3 -m http.server " + port + " --bind 127.0.0.1", "");
        await().atMost(Duration.ofSeconds(30)).until(() -> !HostPorts.listeners(port).isEmpty());
        return squat;
    }

    private String logs(String task) {
        return c.call("GET", "/v1/tasks/" + task + "/logs", null).asText();
    }

    @Test
    void a_task_of_one_role_cannot_read_or_signal_a_task_of_another() throws Exception {
        String a = role("ra");
        String b = role("rb");
        String victim = task(b, "victim", "echo " + B_LOG + "; echo \"pid=$$ uid=$(id -u)\"; echo ready; exec sleep 600",
                ",\"secrets\":{\"pw\":\"" + SECRET + "\"},\"env\":{\"B_ENV\":\"" + B_ENV + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(victim).contains("ready"));
        String out = logs(victim);
        String pid = out.replaceAll("(?s).*pid=(\\d+).*", "$1");
        int victimUid = Integer.parseInt(out.replaceAll("(?s).*uid=(\\d+).*", "$1"));
        Path dir = c.root.resolve("agent-m1").resolve("tasks").resolve(victim);

        String attack = String.join("; ",
                "echo \"uid=$(id -u)\"",
                "cat \"$BDIR/secrets/pw\" 2>&1; echo \"secret-rc=$?\"",
                "cat \"$BDIR/stdout.log\" 2>&1; echo \"log-rc=$?\"",
                "cat \"$BDIR/statuses.jsonl\" 2>&1; echo \"statuses-rc=$?\"",
                "cat \"$BDIR/pid\" 2>&1; echo \"pid-rc=$?\"",
                "cat \"/proc/$BPID/environ\" 2>&1; echo \"environ-rc=$?\"",
                "ls \"$BDIR/sandbox\" 2>&1; echo \"sandbox-rc=$?\"",
                "kill -TERM \"$BPID\" 2>&1; echo \"kill-rc=$?\"",
                "kill -KILL \"-$BPID\" 2>&1; echo \"killgroup-rc=$?\"",
                "echo done");
        String attacker = task(a, "attacker", attack, ",\"env\":{\"BDIR\":\"" + dir + "\",\"BPID\":\"" + pid + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(attacker).contains("done"));
        String got = logs(attacker);

        assertThat(got).doesNotContain(SECRET).doesNotContain(B_LOG).doesNotContain(B_ENV);
        for (String what : new String[] {"secret", "log", "statuses", "pid", "environ", "sandbox"}) {
            assertThat(got).as(what).doesNotContain(what + "-rc=0");
        }
        assertThat(got.split("\n")).as("every read is refused with EACCES")
                .filteredOn(l -> l.startsWith("cat:") || l.startsWith("ls:")).hasSize(6).allMatch(l -> l.contains("Permission denied"));
        assertThat(got).as("signals are refused with EPERM").doesNotContain("kill-rc=0").doesNotContain("killgroup-rc=0")
                .containsPattern("(?i)operation not permitted");
        int attackerUid = Integer.parseInt(got.replaceAll("(?s).*uid=(\\d+).*", "$1"));
        assertThat(java.util.List.of(victimUid, attackerUid)).as("each task runs as a uid of its own from the default range")
                .allMatch(u -> u >= 61000 && u <= 61999).doesNotHaveDuplicates();

        assertThat(c.taskInfo(victim).path("state").asText()).as("B's task is untouched").isEqualTo("RUNNING");
        assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive)).contains(true);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sandbox")))).isEqualTo("rwx------");
        assertThat(Files.getAttribute(dir.resolve("sandbox"), "unix:uid")).isEqualTo(victimUid);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("secrets/pw")))).isEqualTo("r--------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("stdout.log")))).isEqualTo("rw-------");
        assertThat(Files.getAttribute(dir.resolve("stdout.log"), "unix:uid")).as("the agent writes the logs").isEqualTo(0);

        c.call("POST", "/v1/tasks/" + victim + "/stop", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(victim).path("state").asText().equals("KILLED"));
        await().atMost(Duration.ofSeconds(10)).until(() -> PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)).equals("rwx------"));
        assertThat(logs(victim)).as("the agent still serves the logs of an ended task").contains(B_LOG);
        try (var files = Files.list(dir)) { // what the agent and the wrapper keep there: the agent's alone, while the directory is passable too
            assertThat(files.filter(Files::isRegularFile).toList()).as("the task's directory's files").isNotEmpty()
                    .allSatisfy(f -> assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.getFileName().toString())
                            .endsWith("------"));
        }
    }

    @Test
    void a_task_cannot_list_the_machines_task_groups_to_find_another_tenants_but_reads_its_own_limit() throws Exception {
        assumeTrue(!Cgroups.detect(c.cgroupParent).kind().equals("none"), "cgroups are not writable here");
        String victim = task(role("rb"), "victim", "echo ready; exec sleep 600", "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(victim).contains("ready"));
        String victimAlloc = c.taskInfo(victim).path("allocationId").asText();
        // what a tenant's program finds by looking around /sys/fs/cgroup, and what a JVM reads to size its heap to the task's limit
        String look = String.join("; ",
                "if [ -f /sys/fs/cgroup/cgroup.controllers ]; then R=/sys/fs/cgroup; P=$(sed -n 's/^0:://p' /proc/self/cgroup); L=$(cat $R$P/memory.max); "
                        + "else R=/sys/fs/cgroup/memory; P=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup); L=$(cat $R$P/memory.limit_in_bytes); fi",
                "echo \"own-limit=$L\"",
                "ls \"$R/$CGP\" 2>&1; echo \"parent-rc=$?\"",
                "ls \"$R/$CGP/alloc-$BALLOC\" 2>&1; echo \"group-rc=$?\"",
                "ls \"$R$(dirname $P)\" 2>&1; echo \"own-group-rc=$?\"",
                "echo done");
        String looker = task(role("ra"), "looker", look, ",\"env\":{\"CGP\":\"" + c.cgroupParent + "\",\"BALLOC\":\"" + victimAlloc + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(looker).contains("done"));
        String got = logs(looker);
        assertThat(got).as("the task reads its own limit by the path /proc/self/cgroup gives").contains("own-limit=" + 32 * 1024 * 1024);
        assertThat(got).as("no allocation or task of another is listed").doesNotContain(victim).doesNotContain("alloc-" + victimAlloc + "\n")
                .doesNotContain("parent-rc=0").doesNotContain("group-rc=0");
        assertThat(got.split("\n")).filteredOn(l -> l.startsWith("ls:")).as("each listing is refused").hasSize(3)
                .allMatch(l -> l.contains("Permission denied"));
        assertThat(c.taskInfo(victim).path("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    void a_tasks_temporary_files_are_its_own_and_a_link_it_leaves_in_their_place_is_not_followed() throws Exception {
        Path victimFile = Files.createFile(c.root.resolve("not-the-tasks"));
        Files.setPosixFilePermissions(victimFile, PosixFilePermissions.fromString("rw-r--r--"));
        // the first run writes a temporary file, then puts a link to a file of root's where its tmp was and fails; the second
        // run (a restart, while nothing else changed) reports what it was given
        String t = task(role("ra"), "tmp", "if [ -f ran-once ]; then echo \"second TMPDIR=${TMPDIR:-unset}\"; exec sleep 600; fi; "
                + "f=$(mktemp); echo \"first TMPDIR=$TMPDIR file=$f uid=$(id -u)\"; touch ran-once; "
                + "rm -rf \"$TMPDIR\"; ln -s " + victimFile + " \"$TMPDIR\"; exit 3",
                ",\"restart\":{\"attempts\":1,\"interval\":\"1m\",\"delay\":\"100ms\",\"mode\":\"fail\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(t).contains("second TMPDIR="));
        String out = logs(t);
        Path sandbox = c.root.resolve("agent-m1").resolve("tasks").resolve(t).resolve("sandbox");
        assertThat(out).contains("first TMPDIR=" + sandbox.resolve("tmp") + " file=" + sandbox.resolve("tmp") + "/tmp.");
        assertThat(out).as("a link in its place is not taken for the task's tmp").contains("second TMPDIR=unset");
        assertThat(Files.getAttribute(victimFile, "unix:uid")).as("nothing followed the link to chown it").isEqualTo(0);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victimFile))).as("nor to chmod it").isEqualTo("rw-r--r--");

        String fresh = task(role("rb"), "fresh", "ls -ld \"$TMPDIR\"; echo \"uid=$(id -u)\"; exec sleep 600", "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(fresh).contains("uid="));
        String uid = logs(fresh).replaceAll("(?s).*uid=(\\d+).*", "$1");
        Path tmp = c.root.resolve("agent-m1").resolve("tasks").resolve(fresh).resolve("sandbox").resolve("tmp");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp))).isEqualTo("rwx------");
        assertThat(Files.getAttribute(tmp, "unix:uid")).as("the task's own").isEqualTo(Integer.parseInt(uid));
    }

    @Test
    void what_a_task_left_in_the_shared_tmp_does_not_meet_the_next_task_of_its_uid() throws Exception {
        String name = "steward-leftover-" + java.util.UUID.randomUUID();
        Path tmpFile = Path.of("/tmp", name);
        Path shmFile = Path.of("/dev/shm", name);
        try {
            String first = task(role("ra"), "leaves", "umask 077; echo " + SECRET + " > /tmp/" + name + "; echo " + SECRET + " > /dev/shm/" + name
                    + " 2>/dev/null; echo \"uid=$(id -u)\"", ",\"restart\":{\"attempts\":0}");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(first).path("state").asText().equals("EXITED"));
            String uid = logs(first).replaceAll("(?s).*uid=(\\d+).*", "$1");
            await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(tmpFile) && !Files.exists(shmFile));

            String next = task(role("rb"), "next", "echo \"uid=$(id -u)\"; cat /tmp/" + name + " 2>&1; echo done", "");
            await().atMost(Duration.ofSeconds(30)).until(() -> logs(next).contains("done"));
            assertThat(logs(next)).as("the uid is handed on, and nothing of the first task's is there for it")
                    .contains("uid=" + uid).doesNotContain(SECRET).contains("No such file");
        } finally {
            Files.deleteIfExists(tmpFile);
            Files.deleteIfExists(shmFile);
        }
    }

    @Test
    void a_task_cannot_list_or_read_the_agents_package_cache() throws Exception {
        String a = role("ra");
        Path work = Files.createTempDirectory("steward-cache-pkg");
        try {
            Path tree = Files.createDirectories(work.resolve("tree"));
            Files.writeString(tree.resolve("secret.txt"), SECRET + "\n");
            Path pkg = work.resolve("p.tar.zst");
            dev.steward.pkg.PackageBuilder.from(tree).manifest(new dev.steward.api.PackageManifest(null, "p", "1", "cat secret.txt; echo ran",
                    null, null, null, null, null)).writeTo(pkg);
            String digest = dev.steward.client.PackageClient.digestOf(pkg);
            dev.steward.client.StewardClient.builder(c.server.url()).token(a).build().packages().push(pkg, digest);
            String alloc = c.callAs(a, "POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\"}").path("allocations").get(0).asText();
            String owner = c.callAs(a, "POST", "/v1/allocations/" + alloc + "/tasks", "{\"name\":\"p\",\"packageDigest\":\"" + digest
                    + "\",\"restart\":{\"attempts\":0}}").path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> logs(owner).contains("ran"));
            Path cache = c.root.resolve("agent-m1").resolve("packages");
            Path file = cache.resolve(digest.substring("sha256:".length()) + ".tar.zst");
            assertThat(file).as("the agent keeps the package it ran").exists();

            String attack = "ls \"$CACHE\" 2>&1; echo \"ls-rc=$?\"; cat \"$FILE\" > /dev/null 2>&1; echo \"cat-rc=$?\"; echo done";
            String other = task(role("rb"), "reader", attack, ",\"env\":{\"CACHE\":\"" + cache + "\",\"FILE\":\"" + file + "\"}");
            await().atMost(Duration.ofSeconds(30)).until(() -> logs(other).contains("done"));
            String got = logs(other);
            assertThat(got).contains("Permission denied").doesNotContain("ls-rc=0").doesNotContain("cat-rc=0")
                    .doesNotContain(digest.substring("sha256:".length()));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
        } finally {
            Cluster.removeTree(work, false);
        }
    }

    @Test
    void what_a_task_writes_to_the_shared_tmp_while_it_runs_is_not_readable_by_another_tenants_task() throws Exception {
        String name = "steward-running-" + java.util.UUID.randomUUID();
        Path file = Path.of("/tmp", name);
        try {
            // no umask of its own: what it writes takes the task's (task-umask, 0077 by default)
            String writer = task(role("ra"), "writer", "echo \"umask=$(umask)\"; echo " + SECRET + " > /tmp/" + name + "; echo written; exec sleep 600", "");
            await().atMost(Duration.ofSeconds(30)).until(() -> logs(writer).contains("written"));
            assertThat(logs(writer)).contains("umask=0077");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

            String reader = task(role("rb"), "reader", "cat /tmp/" + name + " 2>&1; echo \"rc=$?\"; echo done", "");
            await().atMost(Duration.ofSeconds(30)).until(() -> logs(reader).contains("done"));
            assertThat(logs(reader)).doesNotContain(SECRET).contains("Permission denied").doesNotContain("rc=0");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void a_setuid_root_program_does_not_make_a_task_root() throws Exception {
        Path suid = c.root.resolve("suid-id"); // a setuid-root program on the machine, as su and passwd are
        Files.copy(Path.of("/usr/bin/id"), suid);
        Files.setAttribute(suid, "unix:mode", 04755);
        String t = task(role("ra"), "escalate", suid + "; grep NoNewPrivs /proc/self/status; echo done", "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(t).contains("done"));
        assertThat(logs(t)).doesNotContain("euid=0").contains("NoNewPrivs:\t1");

        // the same program, on an agent told to let tasks gain privileges: the test would see it
        c.agent("m2", Map.of("task-no-new-privileges", "off", "attribute.pool", "m2"));
        String alloc = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\",\"constraints\":[{\"attribute\":\"pool\",\"op\":\"=\",\"value\":\"m2\"}]}")
                .path("allocations").get(0).asText();
        String off = c.task(alloc, "{\"name\":\"escalate\",\"command\":\"sh\",\"args\":[\"-c\",\"" + suid + "; echo done\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(off).contains("done"));
        assertThat(logs(off)).contains("euid=0");
    }

    @Test
    void an_agent_whose_data_directory_its_task_users_cannot_reach_refuses_to_start_saying_which() throws Exception {
        Path closed = Files.createDirectories(c.root.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> cfg = new java.util.HashMap<>(c.agentConfig("m2", Map.of()));
        cfg.put("data", closed.resolve("agent").toString());
        assertThatThrownBy(() -> new Agent(AgentConfig.load(null, cfg), java.time.Clock.systemUTC()).start())
                .hasMessageContaining(closed + " is closed to them (mode rwx------)").hasMessageContaining("chmod o+x " + closed);
    }

    @Test
    void a_command_health_check_runs_as_the_task_never_as_the_agent() throws Exception {
        String alloc = c.allocate("0.1", "32m");
        String t = c.task(alloc, "{\"name\":\"checked\",\"command\":\"sleep\",\"args\":[\"600\"],\"killTimeout\":\"1s\","
                + "\"healthCheck\":{\"type\":\"command\",\"command\":[\"sh\",\"-c\",\"test \\\"$(id -u)\\\" -ne 0 && test -z \\\"$STEWARD_JOIN_TOKEN\\\"\"],"
                + "\"interval\":\"2s\",\"timeout\":\"2s\"}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("healthy").asBoolean(false));
    }

    @Test
    void a_command_health_check_is_held_to_its_tasks_cgroups() throws Exception {
        assumeTrue(!Cgroups.detect(c.cgroupParent).kind().equals("none"), "cgroups are not writable here");
        // healthy only from inside the task's groups (every memory, cpu and pids line of /proc/self/cgroup, or v2's one line),
        // at the default oom_score_adj: a check is the task's own code and may not take what the task may not
        String check = "grep -q /alloc- /proc/self/cgroup && ! grep -E ':(memory|pids|cpu|cpu,cpuacct):' /proc/self/cgroup | grep -qv /alloc- "
                + "&& test \"$(cat /proc/self/oom_score_adj)\" = 0";
        String alloc = c.allocate("0.1", "32m");
        String t = c.task(alloc, "{\"name\":\"checked\",\"command\":\"sleep\",\"args\":[\"600\"],\"killTimeout\":\"1s\","
                + "\"healthCheck\":{\"type\":\"command\",\"command\":[\"sh\",\"-c\"," + Json.MAPPER.valueToTree(check) + "],"
                + "\"interval\":\"2s\",\"timeout\":\"2s\"}}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("healthy").asBoolean(false));
    }

    @Test
    void a_role_names_a_user_only_where_an_admin_allowed_it_and_root_also_needs_the_agent() throws Exception {
        String a = role("ra");
        assertThatThrownBy(() -> task(a, "as-root", "id -u", ",\"user\":\"root\""))
                .hasMessageContaining("403").hasMessageContaining("role 'ra' may not run tasks as user 'root'");
        assertThatThrownBy(() -> task(a, "bad", "id -u", ",\"user\":\"Root!\"")).hasMessageContaining("400").hasMessageContaining("user");

        c.call("PUT", "/v1/roles/ra", "{\"users\":[\"nobody\",\"root\"]}");
        JsonNode role = c.call("GET", "/v1/roles/ra", null);
        assertThat(role.path("users").toString()).isEqualTo("[\"nobody\",\"root\"]");
        String nobody = task(a, "as-nobody", "echo \"me=$(id -un)\"", ",\"user\":\"nobody\"");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(nobody).contains("me="));
        assertThat(logs(nobody)).contains("me=nobody");

        String root = task(a, "as-root", "id -u", ",\"user\":\"root\"");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(root).path("state").asText().equals("FAILED"));
        assertThat(c.taskInfo(root).path("reason").asText()).contains("does not run tasks as root").contains("allow-root-tasks");
    }

    @Test
    void a_task_of_one_role_that_binds_another_roles_port_first_never_makes_it_healthy() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        String a = role("ra");
        String b = role("rb");
        // B's task is checked on its port, and slow to listen on it (here it never does); past its 10s grace one failed check ends it, saying why
        String[] held = quietHolderOfAPort(b, ",\"healthCheck\":{\"type\":\"tcp\",\"port\":\"http\",\"interval\":\"300ms\",\"timeout\":\"200ms\","
                + "\"grace\":\"10s\",\"threshold\":1}");
        String victim = held[0];
        int port = Integer.parseInt(held[1]);
        // A's task takes B's port first and answers every connection on it
        String squat = squatter(a, port);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(c.call("GET", "/v1/tasks/" + victim, null).path("reason").asText())
                .contains("port http " + port + " is held by a socket of another user (uid "));
        JsonNode ended = c.call("GET", "/v1/tasks/" + victim, null);
        assertThat(ended.path("healthy").asBoolean(false)).as("not healthy: %s", ended).isFalse();
        // never healthy, in any status the agent reported (the last, FAILED, says neither: a read after it cannot tell)
        List<String> statuses = Files.readAllLines(c.root.resolve("agent-m1").resolve("tasks").resolve(victim).resolve("statuses.jsonl"));
        assertThat(statuses).as("never healthy on the squatter's answers").isNotEmpty()
                .anyMatch(l -> l.contains("\"healthy\":false")).noneMatch(l -> l.contains("\"healthy\":true"));
        assertThat(c.call("GET", "/v1/tasks/" + squat, null).path("state").asText()).as("the squatter ran all along").isEqualTo("RUNNING");
    }

    @Test
    void a_task_with_no_check_whose_port_another_role_binds_first_is_unhealthy_and_stopped() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        String a = role("ra");
        String b = role("rb");
        // B's task has a port and no health check, and is slow to listen on it (here it never does); a port held at its start
        // would not start it at all, so A binds it just after: the agent looks at such a task's ports every 2 s
        String[] held = quietHolderOfAPort(b, "");
        String victim = held[0];
        int port = Integer.parseInt(held[1]);
        String squat = squatter(a, port);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(victim).path("state").asText().equals("FAILED"));
        JsonNode ended = c.taskInfo(victim);
        assertThat(ended.path("reason").asText()).as("%s", ended).contains("its ports are not its own: port http " + port
                + " is held by a socket of another user (uid ");
        assertThat(c.call("GET", "/v1/tasks/" + squat, null).path("state").asText()).as("the squatter ran all along").isEqualTo("RUNNING");
    }
}
