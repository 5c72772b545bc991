package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Memory, cpu and process-count limits per allocation and per task. A task's group lies inside its
 * allocation's ({@code PARENT/alloc-ALLOCATION/TASK}), and both carry the allocation's limits:
 * so the tasks an allocation runs at once share what it was granted (N tasks never use N times
 * it), and one task alone is held as before. {@link #detect} finds cgroups v2 (one unified tree)
 * or v1 (a memory and a cpu hierarchy, and a pids one where mounted) where this process may write
 * them, or none, in which case tasks run with rlimits only and memory kills cannot be told apart.
 * The process limit ({@code pids.max}, the agent's {@code task-pids-max}) counts threads too: it
 * keeps one allocation's fork bomb from taking every pid of the machine, and with them the agent's
 * and every other task's ability to start anything. A task's group made by an agent before this
 * layout ({@code PARENT/TASK}) is still found, watched and removed.
 */
public interface Cgroups {
    /** "v1", "v2" or "none". */
    String kind();

    /**
     * Makes the task's group inside its allocation's ({@code allocation}), each with the
     * allocation's limits; returns the {@code cgroup.procs} files the task must join.
     */
    List<Path> create(String allocation, String taskId, long memoryMib, long cpuMillis) throws IOException;

    /**
     * The most processes (threads included) one allocation's tasks may have at once, and each task
     * alone; 0 when none is set or this machine's cgroups cannot hold it ({@link #limitsPids}).
     */
    long pidsMax();

    /** True if the kernel holds tasks to {@link #pidsMax} (a pids controller this agent may write). */
    default boolean limitsPids() {
        return pidsMax() > 0;
    }

    /**
     * How many times a fork or clone in the task's group, or in its allocation's, was refused
     * because the group was at its process limit; 0 when none was or it cannot be known.
     */
    long forksRefused(String taskId);

    /** The {@code cgroup.procs} files of the task's existing groups (what {@link #create} returned), for another process of the task to join. */
    List<Path> procs(String taskId);

    /** True if the kernel killed a process of the task's group for its memory. */
    boolean oomKilled(String taskId);

    /** Memory the task's group uses now, in bytes, or -1. */
    long memoryBytes(String taskId);

    /** CPU time the task has used, in nanoseconds, or -1 when unknown. */
    long cpuNanos(String taskId);

    /** Removes the task's group once its processes are gone, and its allocation's once no task of it is left. */
    void remove(String taskId);

    /**
     * Makes a group directory the agent made passable but not listable (0711): a task reaches its
     * own group's files by the path in its {@code /proc/self/cgroup} (as the JVM does to size its
     * heap to the limit), but cannot list the parent or an allocation's group to learn which
     * allocations and tasks run here, nor, not knowing their ids, read their process lists and
     * memory. Best effort: a tree that refuses the mode stays as it was, and the agent says so.
     */
    static void unlisted(Path group) {
        try {
            Files.setPosixFilePermissions(group, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            java.util.logging.Logger.getLogger(Cgroups.class.getName()).warning("tasks may list " + group + " (its mode cannot be set: " + e + ")");
        }
    }

    /** Whether {@code parent} names a group below a hierarchy's root (one the agent may close), not the root itself. */
    static boolean belowRoot(String parent) {
        return !Path.of("/").resolve(parent).normalize().equals(Path.of("/"));
    }

    /** The directory name of an allocation's group. */
    static String allocationGroup(String allocation) {
        return "alloc-" + allocation;
    }

    /**
     * Where an existing group of the task is below {@code root}: {@code alloc-ALLOCATION/TASK} (as
     * this agent makes them) or {@code TASK} (as agents before did); null when there is none.
     * It lists {@code root}: callers keep what it finds.
     */
    static Path find(Path root, String taskId) {
        if (Files.isDirectory(root.resolve(taskId))) {
            return Path.of(taskId);
        }
        try (var groups = Files.newDirectoryStream(root, "alloc-*")) {
            for (Path g : groups) {
                if (Files.isDirectory(g.resolve(taskId))) {
                    return Path.of(g.getFileName().toString(), taskId);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no groups to look in
        }
        return null;
    }

    /** The task's group below the parent, from {@code known} (kept there when found), else looked for under {@code root}. */
    static Path below(java.util.Map<String, Path> known, Path root, String taskId) {
        Path r = known.get(taskId);
        if (r == null) {
            r = find(root, taskId);
            if (r == null) {
                return Path.of(taskId); // none: where an older agent would have made it
            }
            known.put(taskId, r);
        }
        return r;
    }

    /** Removes a task's group, then its allocation's group if that is now empty (the kernel refuses one with children). */
    static void removeTaskGroup(Path task) {
        rmdir(task);
        Path group = task.getParent();
        if (group != null && group.getFileName().toString().startsWith("alloc-")) {
            rmdir(group);
        }
    }

    /**
     * Removes the parent group (v2, or v1's memory and cpu hierarchies) when it is empty; for a
     * short-lived agent that owns its parent, after its tasks have stopped. A group still in use
     * stays.
     */
    static void removeParentIfEmpty(String parent) {
        Path root = Path.of("/sys/fs/cgroup");
        for (Path p : List.of(root.resolve(parent), root.resolve("memory").resolve(parent), root.resolve("cpu").resolve(parent),
                root.resolve("pids").resolve(parent))) {
            try {
                Files.deleteIfExists(p); // rmdir: the kernel refuses a group with children or processes
            } catch (IOException | SecurityException e) {
                // in use, or not ours to remove: it stays
            }
        }
    }

    /** {@link #detect(String, long)} with no process limit. */
    static Cgroups detect(String parent) {
        return detect(parent, 0);
    }

    /** The cgroups this process may write below {@code parent}, holding each allocation and task to {@code pidsMax} processes (0: no limit). */
    static Cgroups detect(String parent, long pidsMax) {
        Path root = Path.of("/sys/fs/cgroup");
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            CgroupsV2 v2 = new CgroupsV2(root.resolve(parent), pidsMax, belowRoot(parent));
            if (v2.usable()) {
                return v2;
            }
        }
        if (Files.isDirectory(root.resolve("memory")) && Files.isDirectory(root.resolve("cpu"))) {
            Path pids = Files.isDirectory(root.resolve("pids")) && pidsMax > 0 ? root.resolve("pids").resolve(parent) : null;
            CgroupsV1 v1 = new CgroupsV1(root.resolve("memory").resolve(parent), root.resolve("cpu").resolve(parent), pids, pidsMax, belowRoot(parent));
            if (v1.usable()) {
                return v1;
            }
        }
        return new NoCgroups();
    }

    /** Reads a file as one trimmed line, or null. */
    static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** True if the flat-keyed file ({@code memory.events}, {@code memory.oom_control}) counts any {@code oom_kill}. */
    static boolean oomKillIn(Path file) {
        String s = read(file);
        if (s == null) {
            return false;
        }
        for (String line : s.split("\n")) {
            if (line.startsWith("oom_kill ") && !line.endsWith(" 0")) {
                return true;
            }
        }
        return false;
    }

    /** The count after {@code max } in a {@code pids.events} file, or 0. */
    static long maxEventsIn(Path file) {
        String s = read(file);
        if (s == null) {
            return 0;
        }
        for (String line : s.split("\n")) {
            if (line.startsWith("max ")) {
                try {
                    return Long.parseLong(line.substring(4).trim());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** A file holding one number of bytes, or -1. */
    static long bytesIn(Path file) {
        String s = read(file);
        return s == null ? -1 : Long.parseLong(s);
    }

    /** Removes a group directory (its files go with it); quietly, as the kernel may still hold it. */
    static void rmdir(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a group with a process left in it cannot be removed yet; the next start retries
        }
    }
}
