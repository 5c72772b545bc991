package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroups v1: {@code memory/PARENT/alloc-ALLOCATION/TASK} with memory.limit_in_bytes on both the
 * allocation's group and the task's, {@code cpu/PARENT/alloc-ALLOCATION/TASK} with a CFS quota on
 * both, and, where the pids hierarchy is mounted and a limit is asked for,
 * {@code pids/PARENT/alloc-ALLOCATION/TASK} with pids.max on both.
 */
final class CgroupsV1 implements Cgroups {
    private final Path memory;
    private final Path cpu;
    /** The pids hierarchy's parent group; null: processes are not counted (none mounted, not writable, or no limit asked for). */
    private Path pids;
    private final long pidsMax;

    /** Whether the parent groups are the agent's to close to listing ({@link Cgroups#unlisted}): not a hierarchy's root. */
    private final boolean closeParent;

    CgroupsV1(Path memory, Path cpu) {
        this(memory, cpu, null, 0, false);
    }

    CgroupsV1(Path memory, Path cpu, Path pids, long pidsMax, boolean closeParent) {
        this.closeParent = closeParent;
        this.memory = memory;
        this.cpu = cpu;
        this.pids = pidsMax > 0 ? pids : null;
        this.pidsMax = pidsMax;
    }

    boolean usable() {
        try {
            Files.createDirectories(memory);
            Files.createDirectories(cpu);
            if (pids != null) {
                try {
                    Files.createDirectories(pids);
                } catch (IOException | SecurityException e) {
                    pids = null; // memory and cpu still hold; limitsPids() says processes do not
                }
            }
            if (closeParent) {
                Cgroups.unlisted(memory);
                Cgroups.unlisted(cpu);
                if (pids != null) {
                    Cgroups.unlisted(pids);
                }
            }
            return Files.isWritable(memory.resolve("cgroup.procs")) || Files.exists(memory.resolve("memory.limit_in_bytes"));
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    @Override
    public long pidsMax() {
        return pids == null ? 0 : pidsMax;
    }

    @Override
    public String kind() {
        return "v1";
    }

    /** Task id to its group below the parent, as made or once found ({@link Cgroups#below}): no listing on every read. */
    private final java.util.Map<String, Path> groups = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public synchronized List<Path> create(String allocation, String taskId, long memoryMib, long cpuMillis) throws IOException {
        Path gm = memory.resolve(Cgroups.allocationGroup(allocation));
        Path gc = cpu.resolve(Cgroups.allocationGroup(allocation));
        Path m = gm.resolve(taskId);
        Path c = gc.resolve(taskId);
        Files.createDirectories(m);
        Files.createDirectories(c);
        Cgroups.unlisted(gm);
        Cgroups.unlisted(gc);
        limit(gm, gc, memoryMib, cpuMillis); // the allocation's tasks together
        limit(m, c, memoryMib, cpuMillis); // and each alone, as before
        groups.put(taskId, Path.of(Cgroups.allocationGroup(allocation), taskId));
        if (pids == null) {
            return List.of(m.resolve("cgroup.procs"), c.resolve("cgroup.procs"));
        }
        Path gp = pids.resolve(Cgroups.allocationGroup(allocation));
        Path p = gp.resolve(taskId);
        Files.createDirectories(p);
        Cgroups.unlisted(gp);
        Files.writeString(gp.resolve("pids.max"), Long.toString(pidsMax));
        Files.writeString(p.resolve("pids.max"), Long.toString(pidsMax));
        return List.of(m.resolve("cgroup.procs"), c.resolve("cgroup.procs"), p.resolve("cgroup.procs"));
    }

    private static void limit(Path m, Path c, long memoryMib, long cpuMillis) throws IOException {
        if (memoryMib > 0) {
            Files.writeString(m.resolve("memory.limit_in_bytes"), Long.toString(memoryMib * 1024 * 1024));
            Path swap = m.resolve("memory.memsw.limit_in_bytes");
            if (Files.exists(swap)) {
                try {
                    Files.writeString(swap, Long.toString(memoryMib * 1024 * 1024)); // no swapping past the limit
                } catch (IOException e) {
                    // swap accounting may be off: the memory limit still holds
                }
            }
        }
        if (cpuMillis > 0) {
            Files.writeString(c.resolve("cpu.cfs_period_us"), "100000");
            Files.writeString(c.resolve("cpu.cfs_quota_us"), Long.toString(Math.max(1000, cpuMillis * 100)));
        }
    }

    private Path mem(String taskId) {
        return memory.resolve(Cgroups.below(groups, memory, taskId));
    }

    private Path cpuOf(String taskId) {
        return cpu.resolve(Cgroups.below(groups, memory, taskId)); // the same place in both hierarchies
    }

    @Override
    public List<Path> procs(String taskId) {
        Path below = Cgroups.below(groups, memory, taskId);
        List<Path> all = new java.util.ArrayList<>(List.of(memory.resolve(below).resolve("cgroup.procs"), cpu.resolve(below).resolve("cgroup.procs")));
        if (pids != null) {
            all.add(pids.resolve(below).resolve("cgroup.procs"));
        }
        all.removeIf(f -> !Files.exists(f));
        return all;
    }

    @Override
    public long forksRefused(String taskId) {
        if (pids == null) {
            return 0;
        }
        Path p = pids.resolve(Cgroups.below(groups, memory, taskId)); // the same place in every hierarchy
        return Cgroups.maxEventsIn(p.resolve("pids.events")) + (p.getParent().equals(pids) ? 0 : Cgroups.maxEventsIn(p.getParent().resolve("pids.events")));
    }

    @Override
    public boolean oomKilled(String taskId) {
        return Cgroups.oomKillIn(mem(taskId).resolve("memory.oom_control"));
    }

    @Override
    public long memoryBytes(String taskId) {
        return Cgroups.bytesIn(mem(taskId).resolve("memory.usage_in_bytes"));
    }

    @Override
    public long cpuNanos(String taskId) {
        long acct = Cgroups.bytesIn(cpuOf(taskId).resolve("cpuacct.usage")); // where cpu and cpuacct share a hierarchy
        if (acct >= 0) {
            return acct;
        }
        String procs = Cgroups.read(mem(taskId).resolve("cgroup.procs"));
        if (procs == null) {
            return -1;
        }
        long ticks = 0;
        for (String pid : procs.split("\\s+")) {
            if (pid.isEmpty()) {
                continue;
            }
            String stat = Cgroups.read(java.nio.file.Path.of("/proc", pid, "stat"));
            if (stat == null) {
                continue;
            }
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            try {
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]); // utime stime cutime cstime
            } catch (RuntimeException e) {
                // a process that ended while being read
            }
        }
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    @Override
    public synchronized void remove(String taskId) { // one at a time with create: an allocation's group is never removed under a new task
        Cgroups.removeTaskGroup(mem(taskId));
        Cgroups.removeTaskGroup(cpuOf(taskId));
        if (pids != null) {
            Cgroups.removeTaskGroup(pids.resolve(Cgroups.below(groups, memory, taskId)));
        }
        groups.remove(taskId);
    }
}
