package dev.steward.api;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed amount of resources: cpus in millicores, memory and disk in MiB, GPUs in
 * thousandths (2000 = two whole GPUs, 500 = half of one shared GPU) and named scalars.
 * Immutable; arithmetic returns new values.
 */
public record Resources(long cpuMillis, long memoryMib, long diskMib, long gpuMillis, Map<String, Long> scalars) {
    public static final Resources ZERO = new Resources(0, 0, 0, 0, Map.of());

    public Resources {
        scalars = scalars == null ? Map.of() : Map.copyOf(scalars);
    }

    public static Resources of(long cpuMillis, long memoryMib) {
        return new Resources(cpuMillis, memoryMib, 0, 0, Map.of());
    }

    public Resources plus(Resources o) {
        return combine(o, 1);
    }

    public Resources minus(Resources o) {
        return combine(o, -1);
    }

    /** Multiplies every amount by {@code n}. */
    public Resources times(long n) {
        Map<String, Long> s = new TreeMap<>();
        scalars.forEach((k, v) -> s.put(k, v * n));
        return new Resources(cpuMillis * n, memoryMib * n, diskMib * n, gpuMillis * n, s);
    }

    /** True when every amount here is at most the same amount in {@code o}. */
    public boolean fitsIn(Resources o) {
        if (cpuMillis > o.cpuMillis || memoryMib > o.memoryMib || diskMib > o.diskMib || gpuMillis > o.gpuMillis) {
            return false;
        }
        for (Map.Entry<String, Long> e : scalars.entrySet()) {
            if (e.getValue() > o.scalars.getOrDefault(e.getKey(), 0L)) {
                return false;
            }
        }
        return true;
    }

    @JsonIgnore
    public boolean isZero() {
        return cpuMillis == 0 && memoryMib == 0 && diskMib == 0 && gpuMillis == 0 && scalars.values().stream().allMatch(v -> v == 0);
    }

    /** The first resource in which this exceeds {@code o}, as a user would name it, or null. */
    public String firstExceeding(Resources o) {
        if (cpuMillis > o.cpuMillis) {
            return "cpus";
        }
        if (memoryMib > o.memoryMib) {
            return "memory";
        }
        if (diskMib > o.diskMib) {
            return "disk";
        }
        if (gpuMillis > o.gpuMillis) {
            return "gpus";
        }
        for (Map.Entry<String, Long> e : new TreeMap<>(scalars).entrySet()) {
            if (e.getValue() > o.scalars.getOrDefault(e.getKey(), 0L)) {
                return e.getKey();
            }
        }
        return null;
    }

    private Resources combine(Resources o, int sign) {
        Map<String, Long> s = new TreeMap<>(scalars);
        o.scalars.forEach((k, v) -> s.merge(k, sign * v, Long::sum));
        s.values().removeIf(v -> v == 0);
        return new Resources(cpuMillis + sign * o.cpuMillis, memoryMib + sign * o.memoryMib, diskMib + sign * o.diskMib,
                gpuMillis + sign * o.gpuMillis, s);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("cpus=").append(Units.formatCpus(cpuMillis)).append(" memory=").append(Units.formatMib(memoryMib));
        if (diskMib > 0) {
            b.append(" disk=").append(Units.formatMib(diskMib));
        }
        if (gpuMillis > 0) {
            b.append(" gpus=").append(Units.formatCpus(gpuMillis));
        }
        scalars.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }
}
