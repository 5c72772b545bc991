package dev.steward.agent;

import dev.steward.allocator.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * task-private-tmp on a real agent running as root: each task's /tmp and /var/tmp are its own,
 * no other task and not the machine sees what it writes there, it counts against its disk, and
 * its command health check sees it. The agent's data directory is outside /tmp (under /var/lib),
 * as on a real machine: one under /tmp cannot have it, and the agent says so.
 */
class TaskMountsTest {
    private Cluster c;
    private Path data;

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: a /tmp per task needs the agent to run as root");
        for (String tool : new String[] {"/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/mount"}) {
            assumeTrue(Files.isExecutable(Path.of(tool)), "skipped: " + tool + " (util-linux, mount) is not installed (.ci/run installs it)");
        }
        data = Files.createTempDirectory(Path.of("/var/lib"), "steward-private-tmp-");
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx--x--x"));
        String why = TaskMounts.unavailable(data);
        if (why != null) {
            Files.delete(data);
        }
        assumeTrue(why == null, "skipped: tasks cannot have a mount namespace of their own here: " + why);
        c = new Cluster();
        c.agent("m1", Map.of("data", data.toString(), "disk-check-interval", "500ms"));
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close(); // kills the tasks, then removes the data directory too
        }
    }

    /** A task running {@code script} in an allocation of its own ({@code disk} null: the agent's default); {@code spec} adds to its spec. */
    private String task(String script, String disk, String spec) {
        String alloc = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"64m\"" + (disk == null ? "" : ",\"disk\":\"" + disk + "\"")
                + "}").path("allocations").get(0).asText();
        return c.task(alloc, "{\"name\":\"t\",\"command\":\"sh\",\"args\":[\"-c\"," + Json.MAPPER.valueToTree(script) + "],\"killTimeout\":\"1s\""
                + spec + "}");
    }

    private String logs(String task) {
        return c.call("GET", "/v1/tasks/" + task + "/logs", null).asText();
    }

    @Test
    void what_a_task_writes_to_tmp_no_other_task_and_not_the_machine_sees() throws Exception {
        String mark = "steward-private-" + Long.toHexString(System.nanoTime());
        // world-readable on purpose: before, a file a task left 0644 in the shared /tmp was readable by every other tenant's task
        String a = task("umask 022; echo secret-a > /tmp/" + mark + "; echo v > /var/tmp/" + mark + "; echo \"tmpdir=$TMPDIR\"; echo ready; exec sleep 600", null, "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(a).contains("ready"));
        assertThat(logs(a)).contains("tmpdir=/tmp");
        assertThat(Path.of("/tmp", mark)).as("not on the machine's /tmp").doesNotExist();
        assertThat(Path.of("/var/tmp", mark)).as("nor its /var/tmp").doesNotExist();
        Path own = data.resolve("tasks").resolve(a).resolve("tmp");
        assertThat(Files.readString(own.resolve(mark))).isEqualTo("secret-a\n");
        assertThat(Files.readString(data.resolve("tasks").resolve(a).resolve("var-tmp").resolve(mark))).as("/var/tmp is another").isEqualTo("v\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(own))).isEqualTo("rwx------");

        String b = task("cat /tmp/" + mark + " 2>&1; echo \"read-rc=$?\"; echo \"entries=$(ls -A /tmp /var/tmp | grep -c " + mark + ")\"; "
                + "touch /tmp/mine && echo wrote; echo done", null, "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(b).contains("done"));
        assertThat(logs(b)).doesNotContain("secret-a").contains("No such file").contains("read-rc=1").contains("entries=0").contains("wrote");
        assertThat(Path.of("/tmp/mine")).doesNotExist();
        assertThat(c.taskInfo(a).path("state").asText()).as("A runs on, untouched").isEqualTo("RUNNING");
    }

    @Test
    void a_tasks_dev_shm_and_ipc_objects_are_its_own() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ipcmk")), "skipped: ipcmk (util-linux) is not installed");
        assumeTrue(TaskMounts.ipcUnavailable() == null, "skipped: tasks cannot have an IPC namespace of their own here: " + TaskMounts.ipcUnavailable());
        String mark = "steward-shm-" + Long.toHexString(System.nanoTime());
        int bytes = 12_000 + (int) (System.nanoTime() % 1000); // a segment's size, to know it by
        // world-readable on purpose: before, both were the machine's, seen (and their names taken) by every tenant's task
        String a = task("umask 022; echo secret-a > /dev/shm/" + mark + "; ipcmk -M " + bytes + " -p 0644 >/dev/null && echo made; "
                + "grep ' /dev/shm ' /proc/self/mountinfo; echo ready; exec sleep 600", null, "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(a).contains("ready"));
        assertThat(logs(a)).contains("made").as("a tmpfs of its own, at most its memory (64m)").contains("tmpfs steward-shm").contains("size=65536k");
        assertThat(Path.of("/dev/shm", mark)).as("not on the machine's /dev/shm").doesNotExist();
        assertThat(ipcs()).as("nor its segment among the machine's").doesNotContain(" " + bytes + " ");

        String b = task("cat /dev/shm/" + mark + " 2>&1; echo \"read-rc=$?\"; echo \"entries=$(ls -A /dev/shm | grep -c " + mark + ")\"; "
                + "echo \"segments=$(ipcs -m | grep -c ' " + bytes + " ')\"; echo done", null, "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(b).contains("done"));
        assertThat(logs(b)).doesNotContain("secret-a").contains("read-rc=1").contains("entries=0").contains("segments=0");
        assertThat(c.taskInfo(a).path("state").asText()).as("A runs on, untouched").isEqualTo("RUNNING");
    }

    private static String ipcs() throws Exception {
        Process p = new ProcessBuilder("ipcs", "-m").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        return out;
    }

    @Test
    void what_a_task_writes_to_its_tmp_counts_against_its_disk() {
        // before, /tmp was the machine's: 40 MiB there went unmeasured past a disk of 20 MiB
        String t = task("dd if=/dev/zero of=/tmp/big bs=1M count=40 2>/dev/null; echo written; exec sleep 600", "20m", "");
        await().atMost(Duration.ofSeconds(60)).until(() -> c.taskInfo(t).path("state").asText().equals("FAILED"));
        assertThat(c.taskInfo(t).path("reason").asText()).contains("disk limit exceeded");
    }

    @Test
    void a_command_health_check_sees_the_tasks_own_tmp() {
        // before, the check ran in the machine's mount namespace: no /tmp/ready there, so never healthy
        String t = task("touch /tmp/ready; exec sleep 600", null,
                ",\"healthCheck\":{\"type\":\"command\",\"command\":[\"test\",\"-f\",\"/tmp/ready\"],\"interval\":\"500ms\",\"grace\":\"5s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.taskInfo(t).path("healthy").asBoolean());
        assertThat(Path.of("/tmp/ready")).as("the check did not look at the machine's").doesNotExist();
    }

    @Test
    void a_bind_that_fails_fails_the_task_and_never_runs_it_on_the_shared_tmp() throws Exception {
        Path taskDir = Files.createDirectories(data.resolve("bind-fails"));
        Path mark = Path.of("/tmp", "steward-bind-fails-" + Long.toHexString(System.nanoTime()));
        // the wrapper as the agent starts it, with a directory to bind that is not there
        ProcessBuilder pb = new ProcessBuilder("setsid", "unshare", "--mount", "--propagation", "private", "/bin/sh", data.resolve("wrapper.sh").toString(),
                taskDir.toString(), "--", "touch", mark.toString()).redirectErrorStream(true);
        pb.environment().put("STEWARD_PRIVATE_TMP", taskDir.resolve("missing").toString());
        pb.environment().put("STEWARD_PRIVATE_VAR_TMP", taskDir.resolve("missing-too").toString());
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(125);
        assertThat(said).contains("steward: could not give the task its own /tmp and /var/tmp").contains("not started");
        assertThat(Files.readString(taskDir.resolve("exit")).trim()).as("what a restarted agent reads").isEqualTo("125");
        assertThat(mark).as("the command never ran, on the shared /tmp or anywhere").doesNotExist();
    }

    @Test
    void a_task_sees_its_own_processes_and_not_another_tasks_command_line() throws Exception {
        assumeTrue(TaskMounts.hidepidUnavailable(System.getProperty("os.version")) == null, "skipped: "
                + TaskMounts.hidepidUnavailable(System.getProperty("os.version")));
        String secretArg = "--password=steward-hidden-" + Long.toHexString(System.nanoTime());
        // a command line with what should have been a secret: before, every task on the machine could read it in /proc
        String victim = task("exec sh -c 'echo \"pid=$$\"; echo ready; while :; do sleep 1; done' steward-victim " + secretArg, null, "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(victim).contains("ready"));
        String pid = logs(victim).replaceAll("(?s).*pid=(\\d+).*", "$1");
        String b = task("cat /proc/" + pid + "/cmdline 2>&1; echo \"cmdline-rc=$?\"; echo \"seen=$(grep -l steward-vi[c]tim /proc/[0-9]*/cmdline 2>/dev/null "
                + "| wc -l)\"; echo \"self=$(ls -d /proc/$$ >/dev/null 2>&1 && echo yes)\"; echo \"pids=$(ls -d /proc/[0-9]* | wc -l)\"; echo done", null, "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(b).contains("done"));
        String got = logs(b);
        assertThat(got).doesNotContain("steward-hidden").contains("No such file").doesNotContain("cmdline-rc=0").contains("seen=0").contains("self=yes");
        int pids = Integer.parseInt(got.replaceAll("(?s).*pids=(\\d+).*", "$1"));
        assertThat(pids).as("its own few, of the machine's hundreds").isLessThan(10);
        assertThat(Files.readString(Path.of("/proc", pid, "cmdline"))).as("the agent, outside, still sees it").contains("steward-hidden");
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).as("the machine's /proc is untouched")
                .filteredOn(l -> l.contains(" /proc ")).noneMatch(l -> l.contains("hidepid"));
    }

    /** {@code steward exec}: a command run in a task is in the task's mount namespace, so it sees the task's /tmp and /proc, not the machine's. */
    @Test
    void a_command_run_in_a_task_sees_its_tmp_and_only_its_own_processes() throws Exception {
        String mark = "steward-exec-" + Long.toHexString(System.nanoTime());
        String other = task("exec sh -c 'echo \"pid=$$\"; echo ready; while :; do sleep 1; done' steward-other-task", null, "");
        String a = task("echo in-its-tmp > /tmp/" + mark + "; echo ready; exec sleep 600", null, "");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(a).contains("ready") && logs(other).contains("ready")
                && c.taskInfo(a).path("state").asText().equals("RUNNING"));
        String pid = logs(other).replaceAll("(?s).*pid=(\\d+).*", "$1");
        com.fasterxml.jackson.databind.JsonNode r = c.call("POST", "/v1/tasks/" + a + "/exec", "{\"command\":[\"sh\",\"-c\","
                + Json.MAPPER.valueToTree("cat /tmp/" + mark + "; echo \"pids=$(ls -d /proc/[0-9]* | wc -l)\"; cat /proc/" + pid + "/cmdline; echo \"rc=$?\"") + "]}");
        String out = r.path("stdout").asText();
        assertThat(out).as(r.toString()).startsWith("in-its-tmp\n");
        assertThat(Path.of("/tmp", mark)).as("not the machine's /tmp").doesNotExist();
        if (TaskMounts.hidepidUnavailable(System.getProperty("os.version")) == null) {
            assertThat(Integer.parseInt(out.replaceAll("(?s).*pids=(\\d+).*", "$1"))).as("its task's few, of the machine's hundreds").isLessThan(10);
            assertThat(out).doesNotContain("steward-other-task").doesNotContain("rc=0");
        }
    }

    @Test
    void processes_are_hidden_only_where_each_proc_mount_has_options_of_its_own() {
        assertThat(TaskMounts.hidepidUnavailable("6.1.0-13-amd64")).isNull();
        assertThat(TaskMounts.hidepidUnavailable("5.8.0")).isNull();
        assertThat(TaskMounts.hidepidUnavailable("5.4.0-150-generic")).contains("Linux 5.4 shares one set of proc options");
        assertThat(TaskMounts.hidepidUnavailable("4.19.0")).contains("Linux 4.19");
        assertThat(TaskMounts.hidepidUnavailable("weird")).contains("cannot be read");
    }

    @Test
    void an_agent_whose_data_is_under_tmp_cannot_give_one_and_says_why() {
        // (that unshare works here is what every test of this class assumed before it ran)
        assertThat(TaskMounts.unavailable(Path.of("/tmp/steward-agent"))).contains("is under /tmp");
    }
}
