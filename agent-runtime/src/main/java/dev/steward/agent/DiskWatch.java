package dev.steward.agent;

import java.nio.file.Path;
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
 * on the loop thread): it measures every running task's sandbox and the whole tasks directory.
 * Then, on the loop thread, a task whose sandbox holds more than its allocation's disk is stopped
 * and fails with "disk limit exceeded". A task can overshoot by what it writes in one
 * {@code disk-check-interval}: the limit is checked, not a quota of the file system (as Mesos'
 * disk/du isolator does it).
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

    /** {@code post} runs work on {@code loop}, or drops it once the agent has closed. */
    DiskWatch(Path tasksDir, ExecutorService loop, Map<String, Supervisor> supervisors, Consumer<Runnable> post, Clock clock) {
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
            for (String id : limits.keySet()) {
                now.put(id, DiskUsage.mebibytes(tasksDir.resolve(id).resolve("sandbox")));
            }
            now.put("", DiskUsage.mebibytes(tasksDir));
            post.accept(() -> apply(now, limits));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | java.util.concurrent.RejectedExecutionException e) {
            LOG.fine("disk not measured: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void apply(Map<String, Long> measured, Map<String, Long> limits) {
        used = Map.copyOf(measured);
        Instant now = clock.instant();
        measured.forEach((id, mib) -> {
            long limit = limits.getOrDefault(id, 0L);
            Supervisor s = supervisors.get(id);
            String why = s == null ? null : DiskUsage.exceeded(mib, limit, s.task().resources() != null && s.task().resources().diskMib() > 0);
            if (why != null) {
                LOG.warning("task " + id + ": " + why);
                s.fail(why, now);
            }
        });
    }
}
