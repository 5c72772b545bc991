package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tasks an allocation runs at once share what it was granted, on real cgroups with real
 * processes: two tasks of one 64 MiB allocation that each hold 40 MiB (each fits alone) do not
 * both survive, the kernel's kill is seen as the task's own, and the allocation's group goes
 * with its last task. Before, each task had a group of the allocation's size to itself, so N
 * tasks could use N times the memory.
 */
class AllocationGroupTest {
    private final String parent = "steward-test-alloc-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Process> processes = new ArrayList<>();
    private Cgroups cgroups;

    @AfterEach
    void clean() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor();
        }
        if (cgroups != null) {
            cgroups.remove("t1");
            cgroups.remove("t2");
        }
        Cgroups.removeParentIfEmpty(parent);
    }

    /** Starts python3 holding {@code mib} MiB (every page touched) inside the groups whose {@code cgroup.procs} files are given. */
    private Process hold(List<Path> procs, int mib) throws Exception {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "for f in \"$@\"; do echo $$ > \"$f\"; done; exec python3 -c "
                + "'import sys, time; x = b\"x\" * (" + mib + " << 20); print(\"held\", flush=True); time.sleep(60)'", "sh"));
        procs.forEach(p -> argv.add(p.toString()));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    @Test
    void an_allocations_tasks_together_are_held_to_its_memory() throws Exception {
        cgroups = Cgroups.detect(parent);
        assumeTrue(!cgroups.kind().equals("none"), "cgroups are not writable here (run as root on a machine with cgroups)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed (.ci/run installs it)");
        List<Path> one = cgroups.create("a1", "t1", 64, 0);
        List<Path> two = cgroups.create("a1", "t2", 64, 0);
        for (Path p : one) {
            assertThat(p.getParent().getParent().getFileName().toString()).as("the task's group is inside its allocation's").isEqualTo("alloc-a1");
        }
        Path group = one.get(0).getParent().getParent();
        String limit = Files.readString(group.resolve(cgroups.kind().equals("v2") ? "memory.max" : "memory.limit_in_bytes")).trim();
        assertThat(limit).as("the allocation's group carries its limit").isEqualTo(Long.toString(64L << 20));

        Process a = hold(one, 40);
        Process b = hold(two, 40);
        await().atMost(Duration.ofSeconds(60)).until(() -> !a.isAlive() || !b.isAlive());
        assertThat(cgroups.oomKilled("t1") || cgroups.oomKilled("t2")).as("the kernel killed one of them for the allocation's memory").isTrue();

        for (Process p : processes) {
            p.destroyForcibly().waitFor();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            cgroups.remove("t1");
            return !Files.exists(one.get(0).getParent());
        });
        assertThat(group).as("the allocation's group stays while a task of it is left").isDirectory();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            cgroups.remove("t2");
            return !Files.exists(group);
        });
    }
}
