package dev.steward.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * What a test's agent process leaves behind when it is stopped, since an agent leaves its tasks
 * running by design: the tasks' process groups, their machine-wide uid leases and their cgroups.
 */
final class TaskCleanup {
    private TaskCleanup() {
    }

    /** Whether the cgroup directory {@code d} holds no process (v1 {@code tasks}, v2 {@code cgroup.procs}); true when it is gone. */
    private static boolean empty(Path d) {
        for (String f : new String[] {"cgroup.procs", "tasks"}) {
            Path p = d.resolve(f);
            try {
                if (Files.exists(p) && !Files.readString(p).isBlank()) {
                    return false;
                }
            } catch (IOException gone) {
                return true;
            }
        }
        return true;
    }

    /**
     * SIGKILL to every process still in the cgroup directory {@code d}: the test's own cgroup
     * parent holds only what its agents started, and a task whose agent was killed before it
     * recorded the task's pid is found only here (such a task outlived the cleanup, and its
     * cgroups were left behind once it ended: seen after a CI run).
     */
    private static void killAll(Path d) {
        for (String f : new String[] {"cgroup.procs", "tasks"}) {
            try {
                for (String line : Files.readAllLines(d.resolve(f))) {
                    if (!line.isBlank()) {
                        ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            } catch (IOException | NumberFormatException gone) {
                // no such file in this hierarchy, or the cgroup is gone
            }
        }
    }

    /** SIGKILL to the process group of every task the agent with {@code dataDir} started. */
    static void killTasks(Path dataDir) throws Exception {
        Path tasks = dataDir.resolve("tasks");
        if (!Files.isDirectory(tasks)) {
            return;
        }
        try (var dirs = Files.list(tasks)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                try {
                    String pid = Files.readString(d.resolve("pid")).trim().split(" ")[0];
                    new ProcessBuilder("kill", "-KILL", "--", "-" + pid).redirectErrorStream(true).start().waitFor();
                } catch (IOException e) {
                    // never started
                }
            }
        }
    }

    /** Removes the uid leases ({@code /run/steward/task-uids}) of tasks under {@code dataDir}. */
    static void removeLeases(Path dataDir) throws IOException {
        Path leases = Path.of("/run/steward/task-uids");
        if (!Files.isDirectory(leases)) {
            return;
        }
        try (var all = Files.list(leases)) {
            for (Path l : (Iterable<Path>) all::iterator) {
                try {
                    if (Files.readString(l).startsWith(dataDir.toAbsolutePath() + "/")) {
                        Files.deleteIfExists(l);
                    }
                } catch (IOException e) {
                    // given back meanwhile
                }
            }
        }
    }

    /**
     * Removes the cgroups under {@code parent}, v1 and v2, deepest first. A SIGKILL'd task leaves
     * its cgroup only once the kernel has finished it, a moment after the signal: each cgroup is
     * waited for until it holds no process (at most 10 s), since an rmdir before that fails with
     * EBUSY and would leave it behind; a process still in it meanwhile is killed ({@link #killAll}).
     */
    static void removeCgroups(String parent) throws IOException {
        for (Path root : new Path[] {Path.of("/sys/fs/cgroup/memory"), Path.of("/sys/fs/cgroup/cpu"), Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup")}) {
            Path p = root.resolve(parent);
            if (!Files.isDirectory(p)) {
                continue;
            }
            try (var all = Files.walk(p)) {
                for (Path d : (Iterable<Path>) all.filter(Files::isDirectory).sorted(Comparator.reverseOrder())::iterator) {
                    try {
                        org.awaitility.Awaitility.await("the processes of " + d + " to end").atMost(java.time.Duration.ofSeconds(10))
                                .pollInterval(java.time.Duration.ofMillis(20)).until(() -> {
                                    killAll(d);
                                    return empty(d);
                                });
                        Files.delete(d); // cgroup directories go with rmdir, files and all
                    } catch (IOException | org.awaitility.core.ConditionTimeoutException e) {
                        // a process still in it after all: the test's own assertions say why
                    }
                }
            }
        }
    }
}
