package dev.steward.agent;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a task's launch spends its time on the agent: the moment each stage ended, by task, for
 * the last {@link #KEPT} tasks (System.nanoTime, so a benchmark in the same JVM can line them up
 * with the allocator's side). Each stage's duration also goes to the metrics
 * ({@code steward_agent_task_launch_stage_seconds}).
 */
public final class LaunchTimes {
    /** A launch's stages on the agent, in order. */
    public enum Stage {
        /** The agent's blocking query answered with the task. */
        RECEIVED,
        /** The loop thread took it: its directory and task.json written, its supervisor made. */
        ACCEPTED,
        /** Its package fetched and unpacked (none: no time). */
        FETCHED,
        /** Its cgroups made and limited. */
        CGROUP,
        /** The wrapper process started (fork and exec returned). */
        SPAWNED,
        /** The process seen running in /proc (its start time read). */
        STARTED,
        /** The RUNNING status written to the agent's journal (fsync). */
        JOURNALED,
        /** The allocator acknowledged the RUNNING status (it made it durable first). */
        ACKNOWLEDGED
    }

    static final int KEPT = 1024;
    private final Map<String, EnumMap<Stage, Long>> byTask = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, EnumMap<Stage, Long>> eldest) {
            return size() > KEPT;
        }
    };
    private final AgentMetrics metrics;

    LaunchTimes(AgentMetrics metrics) {
        this.metrics = metrics;
    }

    /** Notes that {@code stage} of {@code task}'s launch ended now; only the first time (a restart is not a launch). */
    synchronized void stamp(String task, Stage stage) {
        stamp(task, stage, System.nanoTime());
    }

    synchronized void stamp(String task, Stage stage, long nanos) {
        EnumMap<Stage, Long> m = byTask.get(task);
        if (m == null) {
            if (stage != Stage.RECEIVED && stage != Stage.ACCEPTED) {
                return; // a task this agent did not launch in this run (re-attached after a restart)
            }
            m = new EnumMap<>(Stage.class);
            byTask.put(task, m);
        }
        if (m.containsKey(stage)) {
            return;
        }
        m.put(stage, nanos);
        Long before = null;
        for (Stage s : Stage.values()) {
            if (s == stage) {
                break;
            }
            if (m.containsKey(s)) {
                before = m.get(s);
            }
        }
        if (before != null && metrics != null) {
            metrics.launchStage(stage, nanos - before);
        }
    }

    /** Each stage of {@code task}'s launch that has ended, with its System.nanoTime; empty if unknown. */
    public synchronized Map<Stage, Long> of(String task) {
        EnumMap<Stage, Long> m = byTask.get(task);
        return m == null ? Map.of() : new EnumMap<>(m);
    }
}
