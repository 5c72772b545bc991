package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's task-uid leases ({@link TaskUsers#LEASES}, a file per uid): which task directory
 * holds each uid, and, on a second line, what is being done with it (given back by a live agent,
 * or quarantined because that failed). Shared by every agent on the machine; a lease is taken by
 * creating its file, so two agents never take one uid.
 */
final class UidLeases {
    private final Path dir;

    UidLeases(Path dir) {
        this.dir = dir;
    }

    /** Makes the leases' directory (0700) if no agent has yet. */
    void ensureDirectory() throws IOException {
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made by this or another agent
        }
    }

    /** Removes the lease of {@code uid}. */
    void delete(int uid) throws IOException {
        Files.deleteIfExists(dir.resolve(Integer.toString(uid)));
    }

    /** Leases {@code uid} to {@code owner} (a task directory) if no lease of it exists. */
    boolean tryLease(int uid, String owner) {
        try {
            Files.writeString(dir.resolve(Integer.toString(uid)), owner, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The task directory a uid's lease names (its first line), or null when there is no lease. */
    String owner(int uid) {
        String[] l = lines(uid);
        return l == null ? null : l[0];
    }

    /** A lease's lines: the task directory, then what is being done with the uid, if anything. */
    String[] lines(int uid) {
        try {
            return Files.readString(dir.resolve(Integer.toString(uid))).trim().split("\n");
        } catch (IOException e) {
            return null;
        }
    }

    static final String RELEASING = "releasing ";
    static final String QUARANTINED = "quarantined ";

    /**
     * A lease whose task directory is gone, or whose task ended, holds nothing; unless the uid is
     * being given back by a live agent (its processes killed and its files swept: taken over now,
     * a new task would be killed with them), or was quarantined because that failed.
     */
    static boolean stale(String[] l) {
        Path taskDir = Path.of(l[0]);
        if (l.length > 1) {
            if (l[1].startsWith(QUARANTINED)) {
                return false;
            }
            if (l[1].startsWith(RELEASING) && alive(l[1].substring(RELEASING.length()))) {
                return false;
            }
        }
        return !Files.isDirectory(taskDir) || Files.exists(taskDir.resolve("done"));
    }

    /** "PID STARTMILLIS" names a process that still runs (the same one: a reused pid starts later). */
    private static boolean alive(String process) {
        try {
            String[] f = process.trim().split(" ");
            java.util.Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(f[0]));
            return h.isPresent() && h.get().isAlive() && h.get().info().startInstant().map(java.time.Instant::toEpochMilli)
                    .map(t -> t == Long.parseLong(f[1])).orElse(true);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** This process, as {@link #alive} reads it. */
    static String self() {
        ProcessHandle me = ProcessHandle.current();
        return me.pid() + " " + me.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
    }

    /** Rewrites the lease of {@code uid} (held by {@code owner}) with a second line saying what is being done with it. */
    void mark(int uid, String owner, String what) {
        Path f = dir.resolve(Integer.toString(uid));
        Path tmp = dir.resolve("." + uid + ".tmp");
        try {
            Files.writeString(tmp, owner + "\n" + what + "\n");
            Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            java.util.logging.Logger.getLogger(TaskUsers.class.getName()).warning("cannot mark the lease of uid " + uid + " (" + what + "): " + e);
        }
    }

}
