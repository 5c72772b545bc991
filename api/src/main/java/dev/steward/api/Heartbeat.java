package dev.steward.api;

import java.util.List;
import java.util.Map;

/**
 * Body of {@code PUT /v1/agents/ID/heartbeat}: optional usage figures (e.g. {@code cpuMillis},
 * {@code memoryMib}), and {@code busyPorts}: ports of the agent's lent ranges that something on
 * its host holds (listening TCP, bound UDP), so they are not lent until they are free again.
 */
public record Heartbeat(Map<String, Long> usage, List<Integer> busyPorts) {

    /** The usage figure of the free space (MiB) below which the agent's disk is nearly full. */
    public static final String DISK_PRESSURE_MIB = "diskPressureMib";
    /** The usage figure of the free space (MiB) on the agent's data directory's file system. */
    public static final String DISK_FREE_MIB = "diskFreeMib";
    /** The usage figure of when the first of the agent's TLS certificates (its own, its CAs) ends, in seconds since the epoch; absent without TLS. */
    public static final String TLS_NOT_AFTER = "tlsNotAfter";
    /** How long before a certificate's end {@link #certificateEnding} says so: as the agent's log and the alert. */
    public static final java.time.Duration CERTIFICATE_WARNING = java.time.Duration.ofDays(30);

    /** When an agent that reported {@code usage} has a TLS certificate that ends within {@link #CERTIFICATE_WARNING} of {@code now} (or ended): its end; else null. */
    public static java.time.Instant certificateEnding(Map<String, Long> usage, java.time.Instant now) {
        Long end = usage == null ? null : usage.get(TLS_NOT_AFTER);
        if (end == null) {
            return null;
        }
        java.time.Instant at = java.time.Instant.ofEpochSecond(end);
        return now.plus(CERTIFICATE_WARNING).isBefore(at) ? null : at;
    }

    /**
     * Whether an agent that reported {@code usage} has its disk nearly full: less free than the
     * floor it reported ({@code disk-pressure-free}), which is not 0. Nothing new is placed on it
     * then, as Kubernetes taints a node under DiskPressure; what runs there runs on.
     */
    public static boolean diskPressure(Map<String, Long> usage) {
        if (usage == null) {
            return false;
        }
        Long free = usage.get(DISK_FREE_MIB);
        Long floor = usage.get(DISK_PRESSURE_MIB);
        return free != null && floor != null && floor > 0 && free < floor;
    }

    /** At most this many busy ports in one heartbeat. */
    public static final int MAX_BUSY_PORTS = 65_536;

    public Heartbeat(Map<String, Long> usage) {
        this(usage, null);
    }

    /** At most 10,000 figures, each named in at most 128 characters; busy ports are 1 to 65535. */
    public Heartbeat validate() {
        if (usage != null) {
            if (usage.size() > 10_000) {
                throw new ValidationException("usage", "has " + usage.size() + " entries, above the limit of 10000");
            }
            for (Map.Entry<String, Long> e : usage.entrySet()) {
                if (e.getKey() == null || e.getKey().isEmpty() || e.getKey().length() > 128) {
                    throw new ValidationException("usage", "names must be 1 to 128 characters");
                }
                if (e.getValue() == null) {
                    throw new ValidationException("usage." + e.getKey(), "is null");
                }
            }
        }
        if (busyPorts != null) {
            if (busyPorts.size() > MAX_BUSY_PORTS) {
                throw new ValidationException("busyPorts", "has " + busyPorts.size() + " entries, above the limit of " + MAX_BUSY_PORTS);
            }
            for (Integer p : busyPorts) {
                if (p == null || p < 1 || p > 65535) {
                    throw new ValidationException("busyPorts", p + " is not a port from 1 to 65535");
                }
            }
        }
        return this;
    }
}
