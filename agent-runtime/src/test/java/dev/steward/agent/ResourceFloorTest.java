package dev.steward.agent;

import dev.steward.api.Resources;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.api.TaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A task is never left uncapped, on real cgroups with a real process: one whose allocation asks
 * for no cpus and no memory (stored before the allocator refused that) gets the least an
 * allocation may have, 10 MiB and 10 millicores. Before, 0 wrote no limit at all, and such a task
 * could take the whole machine while placement counted nothing for it.
 */
class ResourceFloorTest {
    @TempDir
    Path data;
    private final String parent = "steward-test-floor-" + UUID.randomUUID().toString().substring(0, 8);
    private Cgroups cgroups;
    private TaskProcess process;
    private final List<Path> made = new java.util.ArrayList<>(); // the task's groups, each in its allocation's

    @AfterEach
    void clean() throws Exception {
        if (process != null) {
            process.signal("KILL");
            TaskProcess p = process;
            await().atMost(Duration.ofSeconds(10)).until(() -> !p.alive());
        }
        if (cgroups != null) {
            // a killed task's group can be removed only once the kernel has let go of its last process: retry until it is gone,
            // with its allocation's group (before, one try: on a busy machine the groups were left behind)
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                cgroups.remove("t1");
                return made.stream().allMatch(g -> Files.notExists(g) && Files.notExists(g.getParent()));
            });
        }
        Cgroups.removeParentIfEmpty(parent);
    }

    @Test
    void a_task_of_an_allocation_asking_for_nothing_is_capped_at_the_least_an_allocation_may_have() throws Exception {
        cgroups = Cgroups.detect(parent);
        assumeTrue(!cgroups.kind().equals("none"), "cgroups are not writable here (run as root on a machine with cgroups)");
        Launcher launcher = new Launcher(data, cgroups, null, null, true);
        TaskSpec spec = new TaskSpec("t1", "sleep", List.of("30"), Map.of(), null, null, null, "1s", null, null);
        TaskInfo t = new TaskInfo("t1", "a1", "agent", "role", spec, Map.of(), Resources.ZERO, false, TaskState.PENDING, null, null, null, null, 0, 0,
                Instant.EPOCH, null, null, 1, 1);
        process = launcher.launch(t, Files.createDirectories(data.resolve("tasks").resolve("t1")));
        boolean v2 = cgroups.kind().equals("v2");
        List<Path> groups = cgroups.procs("t1").stream().map(Path::getParent).toList();
        made.addAll(groups);
        Path memory = v2 ? groups.get(0) : groups.stream().filter(g -> g.toString().contains("/memory/")).findFirst().orElseThrow();
        Path cpu = v2 ? groups.get(0) : groups.stream().filter(g -> g.toString().contains("/cpu/") || g.toString().contains("/cpu,cpuacct/"))
                .findFirst().orElseThrow();
        assertThat(Files.readString(memory.resolve(v2 ? "memory.max" : "memory.limit_in_bytes")).trim()).as("10 MiB, not unlimited")
                .isEqualTo(Long.toString(10L << 20));
        assertThat(Files.readString(memory.getParent().resolve(v2 ? "memory.max" : "memory.limit_in_bytes")).trim()).as("its allocation's group too")
                .isEqualTo(Long.toString(10L << 20));
        String quota = Files.readString(cpu.resolve(v2 ? "cpu.max" : "cpu.cfs_quota_us")).trim();
        assertThat(quota).as("10 millicores: 1 ms of every 100 ms, not -1 / max").isEqualTo(v2 ? "1000 100000" : "1000");
    }
}
