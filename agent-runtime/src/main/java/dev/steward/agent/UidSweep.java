package dev.steward.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * What a task's uid left in the machine's shared places, removed before the uid goes to another
 * task, as systemd's {@code RemoveIPC=} does for a user who logs out: the files it owns in the
 * world-writable directories ({@code /tmp}, {@code /var/tmp}, {@code /dev/shm}, {@code /run/lock},
 * {@code /dev/mqueue}), its System V shared memory, semaphores and message queues, and what its
 * kernel keyrings hold ({@link TaskKeyrings}). Without
 * this, a file another tenant's task left 0600 in {@code /tmp} would be readable by the next task
 * that gets its uid.
 *
 * <p>It runs once no process of the uid is left, so the uid itself cannot race it. Other users
 * can only where the uid let them write; nothing here follows a link, and only what the uid owns
 * is removed, at every depth: a directory swapped for a link under the sweep's feet leads it
 * nowhere it may remove anything of anyone else. Directories the uid could not pass through are
 * not entered (a task reached nothing there, e.g. an ended task's closed directory), nor are other
 * file systems.
 */
final class UidSweep {
    private static final Logger LOG = Logger.getLogger(UidSweep.class.getName());
    static final List<Path> SHARED = List.of(Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/dev/shm"), Path.of("/run/lock"), Path.of("/dev/mqueue"));

    /**
     * What a sweep cleared (removed, or a directory of the uid's given to root), and, by uid, what it
     * found but could not remove (such a uid must not be handed on).
     */
    record Result(int removed, java.util.Map<Integer, List<String>> left) {
        boolean clean() {
            return left.isEmpty();
        }

        boolean clean(int uid) {
            return !left.containsKey(uid);
        }
    }

    private final Set<Integer> uids;
    private int removed;
    private final java.util.Map<Integer, List<String>> left = new java.util.TreeMap<>();

    private UidSweep(Set<Integer> uids) {
        this.uids = uids;
    }

    /** Removes what {@code uid} owns under {@code roots} and its System V IPC objects. */
    static Result sweep(int uid, List<Path> roots) {
        return sweep(Set.of(uid), roots);
    }

    /** The same for several uids in one pass: a walk of a large {@code /tmp} costs 100 ms or more, whatever it looks for. */
    static Result sweep(Set<Integer> uids, List<Path> roots) {
        UidSweep s = new UidSweep(uids);
        if (!uids.isEmpty()) {
            for (Path root : roots) {
                Attrs a = Attrs.of(root);
                if (a != null && a.directory()) {
                    s.walk(root, a, a.dev());
                }
            }
            s.ipc();
            s.keyrings();
        }
        return new Result(s.removed, java.util.Map.copyOf(s.left));
    }

    private void left(int uid, String what) {
        left.computeIfAbsent(uid, u -> new ArrayList<>()).add(what);
    }

    /** What the sweep reads of an entry, without following a link: one lstat. */
    record Attrs(int uid, int gid, int mode, long dev) {
        private static final int S_IFMT = 0170000;
        private static final int S_IFDIR = 0040000;

        static Attrs of(Path p) {
            try {
                java.util.Map<String, Object> m = Files.readAttributes(p, "unix:uid,gid,mode,dev", LinkOption.NOFOLLOW_LINKS);
                return new Attrs((Integer) m.get("uid"), (Integer) m.get("gid"), (Integer) m.get("mode"), ((Number) m.get("dev")).longValue());
            } catch (IOException | RuntimeException e) {
                return null; // gone meanwhile
            }
        }

        boolean directory() {
            return (mode & S_IFMT) == S_IFDIR;
        }
    }

    /** Looks through {@code dir} (whose attributes are {@code a}), removing what the uid owns, depth first. */
    private void walk(Path dir, Attrs a, long device) {
        if (!passable(a)) {
            return; // the uid could put nothing below here
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(entries::add);
        } catch (IOException | RuntimeException e) {
            return; // gone meanwhile, or not a directory any more
        }
        for (Path e : entries) {
            Attrs ea = Attrs.of(e);
            if (ea == null) {
                continue;
            }
            if (ea.directory()) {
                if (ea.dev() != device) {
                    continue; // another file system mounted here
                }
                walk(e, ea, device);
            }
            if (uids.contains(ea.uid())) {
                remove(e, ea.uid());
            }
        }
    }

    private void remove(Path p, int uid) {
        try {
            Files.delete(p); // unlink or rmdir: a link goes, never what it points to
            removed++;
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // something of another user's is inside the uid's directory: the directory stays (what the uid owned in it is gone),
            // given to root, so the next holder of the uid does not own what others keep there
            try {
                Files.setAttribute(p, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
                removed++;
            } catch (IOException | RuntimeException x) {
                left(uid, p + " (" + x.getMessage() + ")");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // gone meanwhile
        } catch (IOException | RuntimeException e) {
            left(uid, p + " (" + e.getMessage() + ")");
        }
    }

    /** True if one of the uids (each with its own gid and no other group) could pass through, or open up, a directory with these attributes. */
    private boolean passable(Attrs a) {
        if (uids.contains(a.uid())) {
            return true; // its own: whatever its mode now, the uid can chmod it and come back
        }
        if ((a.mode() & 0001) != 0) {
            return true;
        }
        return uids.contains(a.gid()) && (a.mode() & 0010) != 0;
    }

    /** The uid's kernel keyrings, emptied as the uid ({@link TaskKeyrings#clear}) where the kernel keeps keys for it. */
    private void keyrings() {
        for (int uid : TaskKeyrings.withKeys(uids)) {
            String why = TaskKeyrings.clear(uid);
            if (why == null) {
                removed++;
            } else {
                left(uid, why);
            }
        }
    }

    /** The uid's System V shared memory segments, semaphore sets and message queues (by owner or creator), removed with ipcrm. */
    private void ipc() {
        String[][] kinds = {{"shm", "-m", "7", "9"}, {"sem", "-s", "4", "6"}, {"msg", "-q", "7", "9"}};
        for (String[] k : kinds) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of("/proc/sysvipc", k[0]));
            } catch (IOException | RuntimeException e) {
                continue; // no System V IPC here
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                try {
                    int owner = Integer.parseInt(f[Integer.parseInt(k[2])]);
                    int creator = Integer.parseInt(f[Integer.parseInt(k[3])]);
                    int uid = uids.contains(owner) ? owner : creator;
                    if (uids.contains(uid)) {
                        Process p = new ProcessBuilder("ipcrm", k[1], f[1]).redirectErrorStream(true).start();
                        String out = new String(p.getInputStream().readAllBytes()).trim();
                        if (p.waitFor() == 0) {
                            removed++;
                        } else {
                            left(uid, "System V " + k[0] + " " + f[1] + " (" + out + ")");
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    java.util.logging.Logger.getLogger(UidSweep.class.getName()).warning("cannot read or remove System V " + k[0] + " "
                            + (f.length > 1 ? f[1] : "?") + ": " + e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
