package dev.steward.agent;

import java.nio.file.Path;
import java.util.List;

/** Where cgroups are not writable: no groups; the launcher sets rlimits instead. */
final class NoCgroups implements Cgroups {
    @Override
    public String kind() {
        return "none";
    }

    @Override
    public List<Path> create(String allocation, String taskId, long memoryMib, long cpuMillis) {
        return List.of();
    }

    @Override
    public long pidsMax() {
        return 0;
    }

    @Override
    public List<Path> procs(String taskId) {
        return List.of();
    }

    @Override
    public long forksRefused(String taskId) {
        return 0;
    }

    @Override
    public boolean oomKilled(String taskId) {
        return false;
    }

    @Override
    public long cpuNanos(String taskId) {
        return -1;
    }

    @Override
    public long memoryBytes(String taskId) {
        return -1;
    }

    @Override
    public void remove(String taskId) {
    }
}
