package dev.steward.agent;

import dev.steward.api.Heartbeat;
import dev.steward.api.Units;

import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Says in the agent's log when its disk becomes nearly full ({@code disk-pressure-free}) and when
 * it has room again: what its heartbeats tell the allocator, which then places nothing new here.
 * Once per change, from the usage each heartbeat carries; on the agent's loop thread.
 */
final class DiskPressureLog {
    private static final Logger LOG = Logger.getLogger(DiskPressureLog.class.getName());
    private final Path tasksDir;
    private final String setting;
    private boolean pressed;

    DiskPressureLog(Path tasksDir, String setting) {
        this.tasksDir = tasksDir;
        this.setting = setting;
    }

    void observe(Map<String, Long> usage) {
        boolean now = Heartbeat.diskPressure(usage);
        if (now == pressed) {
            return;
        }
        pressed = now;
        String figures = Units.formatMibShort(usage.getOrDefault(Heartbeat.DISK_FREE_MIB, 0L)) + " free on the disk of " + tasksDir;
        if (now) {
            LOG.warning("this agent's disk is nearly full: " + figures + ", below disk-pressure-free " + setting + " ("
                    + Units.formatMibShort(usage.get(Heartbeat.DISK_PRESSURE_MIB)) + "); the allocator places nothing new here until there is more "
                    + "(its tasks run on)");
        } else {
            LOG.info("this agent's disk has room again: " + figures + "; the allocator places work here again");
        }
    }
}
