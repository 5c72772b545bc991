package dev.steward.allocator.placement;

/** The reasons a filter turns an agent away, as users read them in "why is this pending?". */
public final class Rejections {
    public static final String LOST = "agent lost";
    public static final String DRAINING = "draining";
    public static final String DISK_PRESSURE = "disk nearly full";
    public static final String CPU = "insufficient cpus";
    public static final String MEMORY = "insufficient memory";
    public static final String DISK = "insufficient disk";
    public static final String GPU = "insufficient GPUs";
    public static final String GPU_MODEL = "GPU model mismatch";
    public static final String PORTS = "insufficient free ports";
    public static final String DISTINCT = "distinct constraint: already used by this request";

    private Rejections() {
    }

    public static String scalar(String name) {
        return "insufficient " + name;
    }

    public static String constraint(String text) {
        return "constraint not met: " + text;
    }
}
