package dev.steward.api;

import java.time.Duration;

/** The bounds beyond which an amount is absurd and refused, named in every error that uses them. */
public final class Limits {
    public static final long MAX_CPU_MILLIS = 4096L * 1000;            // 4,096 cores on one agent or in one ask
    public static final long MAX_MEMORY_MIB = 64L * 1024 * 1024;       // 64 TiB
    /**
     * The least an allocation may ask for: a task's cgroup is capped at its allocation's cpus and
     * memory, and none at all would cap nothing (a tenant asking for 0 could take the whole
     * machine while placement counted nothing). Mesos' floor for cpus (0.01), Nomad's for memory
     * (10 MB).
     */
    public static final long MIN_CPU_MILLIS = 10;
    public static final long MIN_MEMORY_MIB = 10;
    public static final long MAX_DISK_MIB = 1024L * 1024 * 1024;       // 1 PiB
    public static final long MAX_GPUS = 64;                            // whole GPUs on one agent
    public static final long MAX_SCALAR = 1_000_000_000_000L;
    public static final int MAX_COUNT = 10_000;                        // allocations in one request
    public static final int MAX_PORTS = 64;                            // named ports in one ask
    public static final int MAX_CONSTRAINTS = 32;
    public static final int MAX_ATTRIBUTES = 64;
    public static final int MAX_NAME = 128;
    public static final int MAX_PRIORITY = 1000;
    public static final int DEFAULT_PRIORITY = 50;                     // an allocation's, and a new service's
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    public static final Duration MAX_TTL = Duration.ofDays(30);
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(30);
    public static final double MAX_WEIGHT = 1_000_000;
    public static final long MAX_BODY_BYTES = 1024 * 1024;             // 1 MiB request body
    public static final int MAX_LOG_CHUNK = 1024 * 1024;               // 1 MiB of log in one read (an agent's answer, and so the allocator's)

    private Limits() {
    }
}
