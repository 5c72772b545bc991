package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a task uid left in a world-writable directory, as a hostile or careless task would leave
 * it, is gone before the uid is handed on; what belongs to anyone else stays, even where the
 * uid's files sat beside it or a link of the uid's pointed to it. A real directory made like
 * {@code /tmp} (1777), real owners, and a real System V segment made by the uid.
 */
class UidSweepTest {
    private static final int UID = 64_990;
    private static final int OTHER = 64_991;
    @TempDir
    Path dir;
    private Path tmp;
    private final List<String> segments = new ArrayList<>();

    @BeforeEach
    void root() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "files of other users need root");
        tmp = Files.createDirectory(dir.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(tmp, "unix:mode", 01777);
    }

    @AfterEach
    void removeSegments() throws Exception {
        for (String id : segments) {
            new ProcessBuilder("ipcrm", "-m", id).start().waitFor();
        }
    }

    private Path make(Path p, int owner, String mode, boolean directory) throws Exception {
        if (directory) {
            Files.createDirectory(p);
        } else {
            Files.writeString(p, "of " + owner);
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        Files.setAttribute(p, "unix:uid", owner, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", owner, LinkOption.NOFOLLOW_LINKS);
        return p;
    }

    @Test
    void what_the_uid_owns_goes_and_nothing_of_anyone_elses() throws Exception {
        Path secret = make(tmp.resolve("creds"), UID, "rw-------", false);
        Path tree = make(tmp.resolve("build"), UID, "rwx------", true);
        make(Files.createDirectories(tree.resolve("a/b")).resolve("f"), UID, "rw-------", false);
        Files.setAttribute(tree.resolve("a"), "unix:uid", UID);
        Files.setAttribute(tree.resolve("a/b"), "unix:uid", UID);
        Path locked = make(tmp.resolve("locked"), UID, "rwx------", true);
        make(locked.resolve("inside"), UID, "rw-------", false);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------")); // its owner could open it again
        Path rootsFile = make(dir.resolve("roots-file"), 0, "rw-r--r--", false);
        Path link = tmp.resolve("link");
        Files.createSymbolicLink(link, rootsFile);
        Files.setAttribute(link, "unix:uid", UID, LinkOption.NOFOLLOW_LINKS);
        Path othersDir = make(tmp.resolve("shared"), OTHER, "rwxrwxrwx", true);
        Path mineInOthers = make(othersDir.resolve("mine"), UID, "rw-------", false);
        Path othersFile = make(othersDir.resolve("theirs"), OTHER, "rw-------", false);
        Path mixed = make(tmp.resolve("mixed"), UID, "rwxrwxrwx", true);
        Path othersInMine = make(mixed.resolve("theirs"), OTHER, "rw-------", false);
        Path closed = make(tmp.resolve("closed"), 0, "rwx------", true);
        Path unreachable = make(closed.resolve("unreachable"), UID, "rw-------", false);

        UidSweep.Result r = UidSweep.sweep(UID, List.of(tmp));

        assertThat(r.clean()).as(r.left().toString()).isTrue();
        for (Path gone : List.of(secret, tree, locked, link, mineInOthers)) {
            assertThat(Files.exists(gone, LinkOption.NOFOLLOW_LINKS)).as(gone + " is gone").isFalse();
        }
        assertThat(Files.readString(rootsFile)).as("the link went, not what it pointed to").isEqualTo("of 0");
        assertThat(Files.readString(othersFile)).isEqualTo("of " + OTHER);
        assertThat(Files.readString(othersInMine)).as("another's file in the uid's directory stays").isEqualTo("of " + OTHER);
        assertThat(Files.getAttribute(mixed, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("and that directory is root's now, not the next holder's")
                .isEqualTo(0);
        assertThat(Files.exists(unreachable)).as("the uid could not reach into root's closed directory: nothing there is its doing").isTrue();
    }

    @Test
    void the_uids_system_v_shared_memory_goes_too() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/ipcmk")),
                "setpriv and ipcmk (util-linux) are not installed (.ci/run installs util-linux)");
        String mine = segmentAs(UID);
        String theirs = segmentAs(OTHER);
        assertThat(shm()).contains(mine, theirs);

        UidSweep.Result r = UidSweep.sweep(UID, List.of());

        assertThat(r.clean()).as(r.left().toString()).isTrue();
        assertThat(shm()).doesNotContain(mine).contains(theirs);
    }

    /** Makes a 4 KiB System V shared memory segment as {@code uid}; returns its id. */
    private String segmentAs(int uid) throws Exception {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--", "ipcmk", "-M", "4096")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as(out).isZero();
        String id = out.replaceAll("(?s).*?(\\d+)\\s*$", "$1");
        segments.add(id);
        return id;
    }

    /** The ids of the machine's System V shared memory segments. */
    private static List<String> shm() throws Exception {
        List<String> ids = new ArrayList<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/sysvipc/shm"));
        for (String l : lines.subList(1, lines.size())) {
            ids.add(l.trim().split("\\s+")[1]);
        }
        return ids;
    }
}
