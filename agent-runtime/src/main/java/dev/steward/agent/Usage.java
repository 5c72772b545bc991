package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures a heartbeat carries: per running task its memory ({@code mem:ID}, MiB), CPU used
 * so far ({@code cpu:ID}, ms) and sandbox ({@code disk:ID}, MiB), which monitors read; for the
 * agent, {@code tasksRunning}, {@code taskMemoryMib}, {@code sandboxesMib} (everything kept under
 * DATA/tasks), {@code diskFreeMib} and {@code diskPressureMib}: the free space below which the
 * allocator places nothing new on it ({@link dev.steward.api.Heartbeat#diskPressure}).
 */
final class Usage {
    private Usage() {
    }

    /** {@code diskUsed}: the disk thread's latest measure, per running task and under "" for the whole tasks directory. */
    static Map<String, Long> of(Collection<Supervisor> supervisors, Cgroups cgroups, Map<String, Long> diskUsed, Path tasksDir, String pressureFree) {
        long running = 0;
        long mem = 0;
        Map<String, Long> out = new TreeMap<>();
        for (Supervisor s : supervisors) {
            if (s.phase() != Supervisor.Phase.RUNNING) {
                continue;
            }
            running++;
            long b = cgroups.memoryBytes(s.task().id());
            mem += Math.max(0, b);
            if (b >= 0) {
                out.put("mem:" + s.task().id(), b / (1024 * 1024));
            }
            long cpu = cgroups.cpuNanos(s.task().id());
            if (cpu >= 0) {
                out.put("cpu:" + s.task().id(), cpu / 1_000_000);
            }
        }
        out.put("tasksRunning", running);
        out.put("taskMemoryMib", mem / (1024 * 1024));
        diskUsed.forEach((id, mib) -> out.put(id.isEmpty() ? "sandboxesMib" : "disk:" + id, mib));
        try {
            long[] freeTotal = DiskUsage.freeAndTotalMib(tasksDir);
            out.put("diskFreeMib", freeTotal[0]);
            out.put(dev.steward.api.Heartbeat.DISK_PRESSURE_MIB, DiskUsage.minFreeMib("disk-pressure-free", pressureFree, freeTotal[1]));
        } catch (IOException e) {
            // not reported this time
        }
        return out;
    }
}
