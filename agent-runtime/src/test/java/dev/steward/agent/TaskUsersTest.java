package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Task uids with real processes: a uid given back has no process left running as it (a task's
 * leftover daemon is killed), so handing a free uid out needs no scan; a stale lease, whose
 * holder never gave it back, has its uid's processes killed before it is handed on.
 */
class TaskUsersTest {
    @TempDir
    Path dir;
    private Path leases;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void root() {
        assumeTrue("root".equals(System.getProperty("user.name")), "task uids need root (to run processes as other users)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed (.ci/run installs it)");
        leases = dir.resolve("leases");
    }

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
    }

    /** A process running as {@code uid}, detached from this JVM's process group like a task's leftover daemon. */
    private Process runAs(int uid) throws Exception {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "sleep", "300").start();
        started.add(p);
        await().atMost(Duration.ofSeconds(10)).until(() -> p.isAlive() && statusUid(p.pid()) == uid);
        return p;
    }

    private static int statusUid(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("Uid:")) {
                    return Integer.parseInt(l.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    @Test
    void a_uid_given_back_has_no_process_left_and_is_handed_out_again() throws Exception {
        TaskUsers users = new TaskUsers("61990-61991", false, leases);
        Path a = Files.createDirectories(dir.resolve("task-a"));
        int uid = users.acquire("a", a, null).uid();
        assertThat(uid).isEqualTo(61990);
        Process leftover = runAs(uid);
        users.release("a", a);
        assertThat(leftover.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the leftover is killed on release").isTrue();
        assertThat(Files.exists(leases.resolve("61990"))).as("the lease is given back").isFalse();
        Path b = Files.createDirectories(dir.resolve("task-b"));
        assertThat(users.acquire("b", b, null).uid()).isEqualTo(61990);
    }

    @Test
    void a_stale_lease_has_its_uids_processes_killed_before_the_uid_is_handed_on() throws Exception {
        TaskUsers crashed = new TaskUsers("61992-61993", false, leases);
        Path gone = Files.createDirectories(dir.resolve("task-gone"));
        int uid = crashed.acquire("gone", gone, null).uid();
        Process leftover = runAs(uid);
        // its agent died without giving the uid back, and its directory was removed: the lease is stale
        Files.delete(gone.resolve("uid"));
        Files.delete(gone);
        TaskUsers next = new TaskUsers("61992-61993", false, leases);
        Path c = Files.createDirectories(dir.resolve("task-c"));
        assertThat(next.acquire("c", c, null).uid()).isEqualTo(uid);
        assertThat(leftover.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the former holder's process is killed first").isTrue();
    }

    @Test
    void no_free_uid_is_the_hosts_failure_not_the_tasks() throws Exception {
        TaskUsers users = new TaskUsers("61996-61996", false, leases);
        users.acquire("a", Files.createDirectories(dir.resolve("task-a")), null);
        LaunchFailure f = org.junit.jupiter.api.Assertions.assertThrows(LaunchFailure.class,
                () -> users.acquire("b", Files.createDirectories(dir.resolve("task-b")), null));
        assertThat(f.getMessage()).startsWith("no free task uid on this machine: all 1 of task-uids 61996-61996");
        assertThat(f.hostFault()).as("another agent could start it: a service's instance is replaced, its rollout goes on").isTrue();
        LaunchFailure own = org.junit.jupiter.api.Assertions.assertThrows(LaunchFailure.class,
                () -> users.acquire("c", Files.createDirectories(dir.resolve("task-c")), "no-such-user-here"));
        assertThat(own.hostFault()).as("what the task asked for").isFalse();
    }

    @Test
    void a_start_that_finds_every_uid_held_waits_for_one_this_agent_is_giving_back() throws Exception {
        TaskUsers users = new TaskUsers("61999-61999", false, leases);
        Path a = Files.createDirectories(dir.resolve("task-a"));
        assertThat(users.acquire("a", a, null).uid()).isEqualTo(61999);
        users.ending("a"); // a ended: its uid is queued to be given back, not swept yet
        Path b = Files.createDirectories(dir.resolve("task-b"));
        java.util.concurrent.CompletableFuture<Integer> started = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return users.acquire("b", b, null).uid();
            } catch (LaunchFailure | java.io.IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !started.isDone()); // before, it failed at once: no free uid
        users.release("a", a);
        assertThat(started.get(20, java.util.concurrent.TimeUnit.SECONDS)).as("b has a's uid once it is swept").isEqualTo(61999);
    }

    @Test
    void a_held_uid_is_not_handed_to_another_task() throws Exception {
        TaskUsers users = new TaskUsers("61994-61995", false, leases);
        Path a = Files.createDirectories(dir.resolve("task-a"));
        Path b = Files.createDirectories(dir.resolve("task-b"));
        int ua = users.acquire("a", a, null).uid();
        Process running = runAs(ua);
        int ub = new TaskUsers("61994-61995", false, leases).acquire("b", b, null).uid(); // another agent on the machine
        assertThat(ub).isNotEqualTo(ua);
        assertThat(running.isAlive()).as("a held uid's processes are left alone").isTrue();
    }

    @Test
    void a_uid_being_given_back_or_quarantined_is_not_taken_over_though_its_task_ended() throws Exception {
        Path a = Files.createDirectories(dir.resolve("task-a"));
        int ua = new TaskUsers("61996-61998", false, leases).acquire("a", a, null).uid();
        Files.createFile(a.resolve("done")); // ended: without a mark its lease would be stale
        Path lease = leases.resolve(Integer.toString(ua));
        TaskUsers other = new TaskUsers("61996-61998", false, leases); // another agent on the machine

        Files.writeString(lease, a + "\n" + UidLeases.RELEASING + UidLeases.self() + "\n"); // what a release in progress writes
        assertThat(other.acquire("b", Files.createDirectories(dir.resolve("task-b")), null).uid())
                .as("a live agent still clears it: taken now, the new task's processes would be killed with the old ones").isNotEqualTo(ua);

        Files.writeString(lease, a + "\n" + UidLeases.QUARANTINED + "processes survived SIGKILL\n");
        assertThat(other.acquire("c", Files.createDirectories(dir.resolve("task-c")), null).uid()).as("never handed on").isNotEqualTo(ua);

        Files.writeString(lease, a + "\n" + UidLeases.RELEASING + "999999999 1\n"); // its releasing agent died
        Path d = Files.createDirectories(dir.resolve("task-d"));
        assertThat(other.acquire("d", d, null).uid()).as("reclaimed, killed and swept first").isEqualTo(ua);
    }
}
