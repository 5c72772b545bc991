package dev.steward.api;

import java.util.Map;
import java.util.TreeMap;

/**
 * Resource amounts as users write them ({@code cpus: "1.5", memory: "4g"}); used for role
 * guarantees and limits and for an agent's totals. Absent fields are zero, or "unlimited"
 * where the caller says so.
 */
public record ResourceAmounts(String cpus, String memory, String disk, String gpus, Map<String, Long> scalars) {

    /** The amounts of {@code r} in user units; amounts at {@code leaveOut} (zero, or "unlimited") are left out. */
    public static ResourceAmounts of(Resources r, long leaveOut) {
        return new ResourceAmounts(
                r.cpuMillis() == leaveOut ? null : Units.formatCpus(r.cpuMillis()),
                r.memoryMib() == leaveOut ? null : Units.formatMib(r.memoryMib()),
                r.diskMib() == leaveOut ? null : Units.formatMib(r.diskMib()),
                r.gpuMillis() == leaveOut ? null : Units.formatCpus(r.gpuMillis()),
                r.scalars().isEmpty() ? null : r.scalars());
    }

    /**
     * Parses what an allocation asks for (absent amounts are zero), refusing cpus or memory given
     * below the least an allocation may have ({@link Limits#MIN_CPU_MILLIS}, {@link
     * Limits#MIN_MEMORY_MIB}): a task is capped at its allocation's, and none would cap nothing.
     */
    public Resources parseAsk() {
        Resources r = parse(Resources.ZERO);
        if (cpus != null && r.cpuMillis() < Limits.MIN_CPU_MILLIS) {
            throw new ValidationException("cpus", "is " + cpus + ", below the least an allocation may have, 10m (0.01 cores): its tasks' cpu time "
                    + "is capped at what it asks, and nothing would cap none");
        }
        if (memory != null && r.memoryMib() < Limits.MIN_MEMORY_MIB) {
            throw new ValidationException("memory", "is " + memory + ", below the least an allocation may have, 10m: its tasks' memory is capped at "
                    + "what it asks, and nothing would cap none");
        }
        return r;
    }

    /** Parses every amount; an absent one becomes {@code absent}'s value for that resource. */
    public Resources parse(Resources absent) {
        long c = cpus == null ? absent.cpuMillis() : Validation.atMost("cpus", cpus, Units.cpuMillis("cpus", cpus), Limits.MAX_CPU_MILLIS, "4096 cores");
        long m = memory == null ? absent.memoryMib() : Validation.atMost("memory", memory, Units.mebibytes("memory", memory), Limits.MAX_MEMORY_MIB, "64t");
        long d = disk == null ? absent.diskMib() : Validation.atMost("disk", disk, Units.mebibytes("disk", disk), Limits.MAX_DISK_MIB, "1024t");
        long g = gpus == null ? absent.gpuMillis() : Validation.atMost("gpus", gpus, Units.gpuMillis("gpus", gpus), Limits.MAX_GPUS * 1000, "64 GPUs");
        Map<String, Long> s = new TreeMap<>(absent.scalars());
        if (scalars != null) {
            for (Map.Entry<String, Long> e : scalars.entrySet()) {
                String f = "scalars." + e.getKey();
                Validation.name(f, e.getKey());
                if (e.getValue() == null || e.getValue() < 0) {
                    throw new ValidationException(f, "must be a whole number of at least 0");
                }
                s.put(e.getKey(), Validation.atMost(f, String.valueOf(e.getValue()), e.getValue(), Limits.MAX_SCALAR, String.valueOf(Limits.MAX_SCALAR)));
            }
        }
        return new Resources(c, m, d, g, s);
    }
}
