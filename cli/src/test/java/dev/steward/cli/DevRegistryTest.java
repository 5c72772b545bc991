package dev.steward.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Local dev processes find each other: registered entries, distinct port blocks, dead ones dropped. */
class DevRegistryTest {

    @Test
    void aLiveEntryIsFoundAndTheNextProcessTakesAnotherPortBlock(@TempDir Path dir) throws Exception {
        DevRegistry r = new DevRegistry(dir);
        assertThat(r.freeBlock()).isEqualTo("20000-20999");
        Path mine = r.register("http://127.0.0.1:4711", dir.resolve("data"), "20000-20999");
        assertThat(r.live()).singleElement().satisfies(e -> {
            assertThat(e.address()).isEqualTo("http://127.0.0.1:4711");
            assertThat(e.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(e.ports()).isEqualTo("20000-20999");
        });
        assertThat(r.freeBlock()).as("block 0 is held by a live process").isEqualTo("21000-21999");
        Files.delete(mine);
        assertThat(r.freeBlock()).isEqualTo("20000-20999");
    }

    @Test
    void anEntryWhoseProcessIsGoneIsIgnoredAndRemoved(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Files.writeString(dir.resolve("dev-" + p.pid()), "pid=" + p.pid() + "\naddress=http://127.0.0.1:1\ndata=/nowhere\nblock=0\nstartedAt=1\n");
        DevRegistry r = new DevRegistry(dir);
        assertThat(r.live()).isEmpty();
        assertThat(dir.resolve("dev-" + p.pid())).doesNotExist();
        assertThat(r.freeBlock()).isEqualTo("20000-20999");
    }

    @Test
    void theAdminTokenIsReadFromTheDataDirectory(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("data/server"));
        Files.writeString(dir.resolve("data/server/admin.token"), "sta_admin_x\n");
        new DevRegistry(dir.resolve("run")).register("http://127.0.0.1:9", dir.resolve("data"), DevRegistry.block(3));
        DevRegistry.Entry e = new DevRegistry(dir.resolve("run")).live().get(0);
        assertThat(e.token()).isEqualTo("sta_admin_x");
        assertThat(e.ports()).isEqualTo("23000-23999");
    }

    @Test
    void portsGivenByHandKeepTheBlocksTheyOverlapFromTheNextProcess(@TempDir Path dir) throws Exception {
        DevRegistry r = new DevRegistry(dir);
        r.register("http://127.0.0.1:4711", dir.resolve("data"), "20500-20600, 21999");
        assertThat(r.live()).singleElement().satisfies(e -> assertThat(e.ports()).isEqualTo("20500-20600, 21999"));
        assertThat(r.freeBlock()).as("blocks 0 and 1 overlap what it lends").isEqualTo("22000-22999");
        Files.delete(dir.resolve("dev-" + ProcessHandle.current().pid()));
        r.register("http://127.0.0.1:4711", dir.resolve("data"), "40000-40999");
        assertThat(r.freeBlock()).as("ports outside the blocks hold none").isEqualTo("20000-20999");
    }

    @Test
    void anEntryOfAnEarlierStewardNamesItsBlock(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("dev-" + ProcessHandle.current().pid()), "pid=" + ProcessHandle.current().pid()
                + "\naddress=http://127.0.0.1:1\ndata=/nowhere\nblock=2\nstartedAt=1\n");
        DevRegistry r = new DevRegistry(dir);
        assertThat(r.live()).singleElement().satisfies(e -> assertThat(e.ports()).isEqualTo("22000-22999"));
        assertThat(r.freeBlock()).isEqualTo("20000-20999");
    }
}
