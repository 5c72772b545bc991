package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroups v2: {@code PARENT/alloc-ALLOCATION/TASK} with memory.max, memory.swap.max, cpu.max and
 * (where the pids controller is given to the parent and a limit is asked for) pids.max on both the
 * allocation's group and the task's; OOM kills counted in the task's memory.events, refused forks
 * in pids.events.
 */
final class CgroupsV2 implements Cgroups {
    private final Path parent;
    private final long pidsMax;
    /** The controllers each group below the parent hands its children: "+memory +cpu", and " +pids" when processes are limited. */
    private String controllers = "+memory +cpu";

    /** Whether the parent group is the agent's to close to listing ({@link Cgroups#unlisted}): not the hierarchy's root. */
    private final boolean closeParent;

    CgroupsV2(Path parent) {
        this(parent, 0, false);
    }

    CgroupsV2(Path parent, long pidsMax, boolean closeParent) {
        this.closeParent = closeParent;
        this.parent = parent;
        this.pidsMax = pidsMax;
    }

    boolean usable() {
        try {
            Files.createDirectories(parent);
            if (closeParent) {
                Cgroups.unlisted(parent);
            }
            Path ctl = parent.resolve("cgroup.subtree_control");
            Files.writeString(ctl, "+memory +cpu");
            if (pidsMax > 0) {
                try {
                    Files.writeString(ctl, "+pids");
                    controllers = "+memory +cpu +pids";
                } catch (IOException e) {
                    // the pids controller is not given to this subtree: memory and cpu still hold; limitsPids() says processes do not
                }
            }
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    @Override
    public long pidsMax() {
        return controllers.contains("pids") ? pidsMax : 0;
    }

    @Override
    public String kind() {
        return "v2";
    }

    /** Task id to its group below the parent, as made or once found ({@link Cgroups#below}): no listing on every read. */
    private final java.util.Map<String, Path> groups = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public synchronized List<Path> create(String allocation, String taskId, long memoryMib, long cpuMillis) throws IOException {
        Path a = parent.resolve(Cgroups.allocationGroup(allocation));
        Files.createDirectories(a);
        Cgroups.unlisted(a);
        limit(a, memoryMib, cpuMillis); // the allocation's tasks together
        try {
            Files.writeString(a.resolve("cgroup.subtree_control"), controllers); // so its tasks' groups have limits of their own
        } catch (IOException e) {
            Files.writeString(a.resolve("cgroup.subtree_control"), "+memory");
        }
        Path g = a.resolve(taskId);
        Files.createDirectories(g);
        limit(g, memoryMib, cpuMillis); // and each alone, as before
        groups.put(taskId, Path.of(Cgroups.allocationGroup(allocation), taskId));
        return List.of(g.resolve("cgroup.procs"));
    }

    private void limit(Path g, long memoryMib, long cpuMillis) throws IOException {
        if (pidsMax() > 0 && Files.exists(g.resolve("pids.max"))) { // a task's group has one once its allocation's hands the controller on
            Files.writeString(g.resolve("pids.max"), Long.toString(pidsMax));
        }
        if (memoryMib > 0) {
            Files.writeString(g.resolve("memory.max"), Long.toString(memoryMib * 1024 * 1024));
            if (Files.exists(g.resolve("memory.swap.max"))) {
                Files.writeString(g.resolve("memory.swap.max"), "0");
            }
        }
        if (cpuMillis > 0 && Files.exists(g.resolve("cpu.max"))) {
            Files.writeString(g.resolve("cpu.max"), Math.max(1000, cpuMillis * 100) + " 100000");
        }
    }

    private Path group(String taskId) {
        return parent.resolve(Cgroups.below(groups, parent, taskId));
    }

    @Override
    public List<Path> procs(String taskId) {
        Path f = group(taskId).resolve("cgroup.procs");
        return Files.exists(f) ? List.of(f) : List.of();
    }

    @Override
    public long forksRefused(String taskId) {
        if (pidsMax() == 0) {
            return 0;
        }
        Path g = group(taskId);
        return Cgroups.maxEventsIn(g.resolve("pids.events")) + (g.getParent().equals(parent) ? 0 : Cgroups.maxEventsIn(g.getParent().resolve("pids.events")));
    }

    @Override
    public boolean oomKilled(String taskId) {
        return Cgroups.oomKillIn(group(taskId).resolve("memory.events"));
    }

    @Override
    public long memoryBytes(String taskId) {
        return Cgroups.bytesIn(group(taskId).resolve("memory.current"));
    }

    @Override
    public long cpuNanos(String taskId) {
        String stat = Cgroups.read(group(taskId).resolve("cpu.stat"));
        if (stat == null) {
            return -1;
        }
        for (String line : stat.split("\n")) {
            if (line.startsWith("usage_usec ")) {
                try {
                    return Long.parseLong(line.substring(11).trim()) * 1000;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    @Override
    public synchronized void remove(String taskId) { // one at a time with create: an allocation's group is never removed under a new task
        Cgroups.removeTaskGroup(group(taskId));
        groups.remove(taskId);
    }
}
