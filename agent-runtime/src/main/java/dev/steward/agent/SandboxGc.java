package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The agent's garbage collection of ended tasks' sandboxes. */
final class SandboxGc {
    private static final Logger LOG = Logger.getLogger(SandboxGc.class.getName());

    private SandboxGc() {
    }

    /**
     * Removes the sandboxes (files, logs, the task's record) of tasks that ended longer than the
     * retention ago, as Nomad's and Mesos' garbage collection do; their logs are readable until
     * then. When the file system holds less free space than {@code sandbox-gc-min-free}, ended
     * sandboxes go sooner, the longest ended first, until there is enough (Nomad's
     * gc_disk_usage_threshold). Runs on the agent's loop thread, which owns {@code supervisors}; a
     * removed task leaves them.
     */
    static void collect(Path tasksDir, Duration retention, String minFreeSetting, Map<String, Supervisor> supervisors, Instant now) {
        List<Map.Entry<Instant, Path>> ended = new java.util.ArrayList<>();
        try (var dirs = Files.list(tasksDir)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                try {
                    ended.add(Map.entry(Instant.parse(Files.readString(d.resolve("done")).trim()), d));
                } catch (IOException | java.time.format.DateTimeParseException e) {
                    // not ended (or not a sandbox)
                }
            }
            ended.sort(Map.Entry.comparingByKey());
            long[] freeTotal = DiskUsage.freeAndTotalMib(tasksDir);
            long minFree = DiskUsage.minFreeMib("sandbox-gc-min-free", minFreeSetting, freeTotal[1]);
            for (Map.Entry<Instant, Path> e : ended) {
                boolean expired = !e.getKey().plus(retention).isAfter(now);
                long free = freeTotal[0];
                if (!expired && free >= minFree) {
                    continue;
                }
                String id = e.getValue().getFileName().toString();
                Supervisor s = supervisors.get(id);
                if (s != null && s.phase() != Supervisor.Phase.DONE) {
                    continue; // started again meanwhile: not ended
                }
                supervisors.remove(id);
                try (var all = Files.walk(e.getValue())) {
                    for (Path x : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                        Files.deleteIfExists(x);
                    }
                }
                LOG.info("removed the sandbox of task " + id + ", ended at " + e.getKey() + (expired
                        ? " (retention " + dev.steward.api.Units.format(retention) + ")"
                        : ", before its retention: the disk has " + dev.steward.api.Units.formatMib(free) + " free, below sandbox-gc-min-free "
                        + minFreeSetting + " (" + dev.steward.api.Units.formatMib(minFree) + ")"));
                if (!expired) {
                    freeTotal = DiskUsage.freeAndTotalMib(tasksDir);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot collect finished sandboxes in " + tasksDir + ": " + e.getMessage(), e);
        }
    }
}
