package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** cgroups v2: {@code PARENT/TASK} with memory.max, memory.swap.max and cpu.max; OOM kills counted in memory.events. */
final class CgroupsV2 implements Cgroups {
    private final Path parent;

    CgroupsV2(Path parent) {
        this.parent = parent;
    }

    boolean usable() {
        try {
            Files.createDirectories(parent);
            Path ctl = parent.resolve("cgroup.subtree_control");
            Files.writeString(ctl, "+memory +cpu");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    @Override
    public String kind() {
        return "v2";
    }

    @Override
    public List<Path> create(String taskId, long memoryMib, long cpuMillis) throws IOException {
        Path g = parent.resolve(taskId);
        Files.createDirectories(g);
        if (memoryMib > 0) {
            Files.writeString(g.resolve("memory.max"), Long.toString(memoryMib * 1024 * 1024));
            if (Files.exists(g.resolve("memory.swap.max"))) {
                Files.writeString(g.resolve("memory.swap.max"), "0");
            }
        }
        if (cpuMillis > 0) {
            Files.writeString(g.resolve("cpu.max"), Math.max(1000, cpuMillis * 100) + " 100000");
        }
        return List.of(g.resolve("cgroup.procs"));
    }

    @Override
    public boolean oomKilled(String taskId) {
        return Cgroups.oomKillIn(parent.resolve(taskId).resolve("memory.events"));
    }

    @Override
    public long memoryBytes(String taskId) {
        return Cgroups.bytesIn(parent.resolve(taskId).resolve("memory.current"));
    }

    @Override
    public long cpuNanos(String taskId) {
        String stat = Cgroups.read(parent.resolve(taskId).resolve("cpu.stat"));
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
    public void remove(String taskId) {
        Cgroups.rmdir(parent.resolve(taskId));
    }
}
