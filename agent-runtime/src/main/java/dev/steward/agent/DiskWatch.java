package dev.steward.agent;

import dev.steward.api.Units;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The agent's disk check. {@link #measure} runs on the agent's disk thread (du walks trees: never
 * on the loop thread): it measures every running task's sandbox (with its own /tmp, {@link TaskMounts}) and the whole tasks directory.
 * Then, on the loop thread, an allocation whose running tasks' sandboxes hold more than its disk
 * together has its largest sandbox's task stopped, failed with "disk limit exceeded" (one task a
 * check: the others may fit once it has gone; an allocation of one task, that task). A task can overshoot by what it writes in one
 * {@code disk-check-interval}: the limit is checked, not a quota of the file system (as Mesos'
 * disk/du isolator does it). Files are held the same way ({@code task-max-files}): empty files take
 * no blocks, so no disk limit sees them, but each takes an inode, and a file system out of inodes
 * takes every task and the agent down with it; past the limit, the task holding the most is stopped,
 * failed with "file limit exceeded".
 */
final class DiskWatch {
    private static final Logger LOG = Logger.getLogger(DiskWatch.class.getName());
    private final Path tasksDir;
    /** The agent's loop thread, which owns {@link #supervisors}. */
    private final ExecutorService loop;
    private final Map<String, Supervisor> supervisors;
    private final Consumer<Runnable> post;
    private final Clock clock;
    /** The latest measure, kept on the loop thread: MiB per running task's sandbox, and the whole tasks directory under "". */
    private Map<String, Long> used = Map.of();
    /** The most files and directories one allocation's running tasks may hold together ({@code task-max-files}); 0: no limit. */
    private final long maxFiles;

    /** {@code post} runs work on {@code loop}, or drops it once the agent has closed. */
    DiskWatch(Path tasksDir, ExecutorService loop, Map<String, Supervisor> supervisors, Consumer<Runnable> post, Clock clock) {
        this(tasksDir, loop, supervisors, post, clock, 0);
    }

    /** The same, holding each allocation's running tasks to {@code maxFiles} files and directories together (0: no limit). */
    DiskWatch(Path tasksDir, ExecutorService loop, Map<String, Supervisor> supervisors, Consumer<Runnable> post, Clock clock, long maxFiles) {
        this.maxFiles = maxFiles;
        this.tasksDir = tasksDir;
        this.loop = loop;
        this.supervisors = supervisors;
        this.post = post;
        this.clock = clock;
    }

    /** The latest measure (loop thread): what the heartbeat reports ({@link Usage}). */
    Map<String, Long> used() {
        return used;
    }

    /** One check: measured here (the disk thread), applied on the loop thread. */
    void measure() {
        try {
            Map<String, Long> limits = loop.submit(() -> {
                Map<String, Long> m = new TreeMap<>();
                supervisors.values().stream().filter(s -> s.phase() == Supervisor.Phase.RUNNING)
                        .forEach(s -> m.put(s.task().id(), s.diskLimitMib()));
                return m;
            }).get(30, TimeUnit.SECONDS);
            Map<String, Long> now = new TreeMap<>();
            Map<String, Long> files = new TreeMap<>();
            for (String id : limits.keySet()) {
                long sandbox = DiskUsage.mebibytes(tasksDir.resolve(id).resolve("sandbox"));
                long tmp = DiskUsage.mebibytes(tasksDir.resolve(id).resolve(TaskMounts.DIR)); // its own /tmp and /var/tmp, if it has them (0 if not)
                long varTmp = DiskUsage.mebibytes(tasksDir.resolve(id).resolve(TaskMounts.VAR_DIR));
                now.put(id, sandbox < 0 || tmp < 0 || varTmp < 0 ? -1 : sandbox + tmp + varTmp);
                if (maxFiles > 0) { // empty files take no blocks, but every one an inode of the file system all tasks and the agent share
                    files.put(id, DiskUsage.files(List.of(tasksDir.resolve(id).resolve("sandbox"), tasksDir.resolve(id).resolve(TaskMounts.DIR),
                            tasksDir.resolve(id).resolve(TaskMounts.VAR_DIR))));
                }
            }
            now.put("", DiskUsage.mebibytes(tasksDir));
            post.accept(() -> apply(now, limits, files));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | java.util.concurrent.RejectedExecutionException e) {
            LOG.fine("disk not measured: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void apply(Map<String, Long> measured, Map<String, Long> limits, Map<String, Long> files) {
        used = Map.copyOf(measured);
        Instant now = clock.instant();
        Map<String, List<String>> byAllocation = new TreeMap<>(); // the running tasks measured, by allocation
        measured.forEach((id, mib) -> {
            Supervisor s = supervisors.get(id);
            if (s != null) {
                byAllocation.computeIfAbsent(s.task().allocationId(), k -> new ArrayList<>()).add(id);
            }
        });
        byAllocation.forEach((allocation, ids) -> {
            // the allocation's tasks together: past its disk, the largest sandbox's task is stopped (one a check, so the rest may fit)
            String largest = ids.stream().max(Comparator.comparingLong(measured::get)).orElseThrow();
            long total = ids.stream().mapToLong(measured::get).sum();
            long limit = limits.getOrDefault(largest, 0L);
            Supervisor s = supervisors.get(largest);
            boolean asked = s.task().resources() != null && s.task().resources().diskMib() > 0;
            String why = DiskUsage.exceeded(total, limit, asked);
            if (why != null && ids.size() > 1) {
                why = "disk limit exceeded: the sandboxes of the " + ids.size() + " running tasks of allocation " + allocation + " hold "
                        + Units.formatMib(total) + " together, above the " + Units.formatMib(limit)
                        + (asked ? " of disk it asked for" : " this agent gives an allocation that asks for no disk (default-task-disk)")
                        + "; this task's holds " + Units.formatMib(measured.get(largest)) + ", the most of them";
            }
            if (why != null) {
                LOG.warning("task " + largest + ": " + why);
                s.fail(why, now);
            } else if (maxFiles > 0) {
                failPastFiles(allocation, ids, files, now);
            }
        });
    }

    /** Past {@link #maxFiles} for the allocation's running tasks together, the task holding the most is stopped (one a check, as for disk). */
    private void failPastFiles(String allocation, List<String> ids, Map<String, Long> files, Instant now) {
        long held = ids.stream().mapToLong(id -> Math.max(0, files.getOrDefault(id, 0L))).sum();
        if (held <= maxFiles) {
            return;
        }
        String most = ids.stream().max(Comparator.comparingLong(id -> files.getOrDefault(id, 0L))).orElseThrow();
        String why = "file limit exceeded: " + (ids.size() > 1 ? "the " + ids.size() + " running tasks of allocation " + allocation + " hold "
                + String.format("%,d", held) + " files and directories together; this task's hold " + String.format("%,d", files.get(most))
                + ", the most of them" : "its sandbox and /tmp hold " + String.format("%,d", held) + " files and directories")
                + ", above the " + String.format("%,d", maxFiles) + " this agent lets an allocation hold (task-max-files)";
        LOG.warning("task " + most + ": " + why);
        supervisors.get(most).fail(why, now);
    }
}
