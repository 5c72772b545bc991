package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real full disk under a lone allocator: its data directory on a 48 MiB tmpfs that a file then
 * fills. Writes fail as SQLite fails them ({@code SQLITE_FULL}); every request is told the disk
 * is full and how much is free; once the file is removed the allocator comes back by itself with
 * every change it acknowledged and none that it refused. Needs root (to mount the tmpfs).
 */
class DiskFullTest {
    private Path mountPoint;
    private LiveServer s;

    @AfterEach
    void stop() throws Exception {
        try {
            if (s != null) {
                s.close();
            }
        } finally {
            if (mountPoint != null) {
                run("umount", "-l", mountPoint.toString());
                Files.deleteIfExists(mountPoint);
            }
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    /** Writes zeros to {@code file} until the disk refuses more. */
    private static void fill(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
            while (true) {
                zeros.clear();
                c.write(zeros);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left");
        }
    }

    /** Mounts the 48 MiB tmpfs at {@link #mountPoint} (removed after the test), or skips where it cannot. */
    private void smallDisk() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: mounting a small tmpfs to fill needs root");
        mountPoint = Files.createTempDirectory("steward-disk-full");
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "steward-disk-full", mountPoint.toString()) == 0,
                "skipped: cannot mount a tmpfs here");
    }

    @Test
    void an_allocator_started_on_a_full_disk_answers_why_and_opens_its_state_once_there_is_room() throws Exception {
        smallDisk();
        try (LiveServer first = new LiveServer(mountPoint.resolve("server"), c -> c)) {
            assertThat(first.put("/v1/roles/before", first.admin(), "{\"weight\":2}").code()).isEqualTo(200);
        }
        Path filler = mountPoint.resolve("filler");
        fill(filler);
        s = new LiveServer(mountPoint.resolve("server"), c -> c); // before, it did not start: a restart loop under systemd, on the full disk
        assertThat(s.server.opened()).isFalse();
        LiveServer.Reply health = s.get("/v1/health", null);
        assertThat(health.code()).isEqualTo(503);
        assertThat(health.body().path("status").asText()).isEqualTo("failed");
        LiveServer.Reply refused = s.get("/v1/roles", s.admin());
        assertThat(refused.code()).isEqualTo(503);
        assertThat(refused.body().path("detail").asText()).startsWith("the allocator cannot write its state in " + mountPoint.resolve("server")
                + ": the disk is full (").endsWith("Free space on that disk");

        Files.delete(filler);
        await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/health", null).code() == 200);
        assertThat(s.server.opened()).isTrue();
        List<String> roles = new ArrayList<>();
        s.get("/v1/roles", s.admin()).body().forEach(r -> roles.add(r.path("name").asText()));
        assertThat(roles).contains("before");
        assertThat(s.put("/v1/roles/after", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
    }

    @Test
    void the_allocator_says_its_disk_is_full_and_comes_back_by_itself_once_there_is_room() throws Exception {
        smallDisk();
        s = new LiveServer(mountPoint.resolve("server"), c -> c);
        assertThat(s.put("/v1/roles/before", s.admin(), "{\"weight\":2}").code()).isEqualTo(200);

        Path filler = mountPoint.resolve("filler");
        fill(filler);
        List<String> acknowledged = new ArrayList<>();
        LiveServer.Reply refused = null;
        for (int i = 0; i < 500 && refused == null; i++) { // a write may still fit in what the database's files hold already
            LiveServer.Reply r = s.put("/v1/roles/r" + i, s.admin(), "{\"weight\":1}");
            if (r.code() == 200) {
                acknowledged.add("r" + i);
            } else {
                refused = r;
            }
        }
        assertThat(refused).as("a write fails once the disk is full").isNotNull();
        assertThat(refused.code()).isEqualTo(503);
        assertThat(refused.body().path("detail").asText()).contains("SQLITE_FULL");
        String notMade = "r" + acknowledged.size();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            LiveServer.Reply r = s.get("/v1/roles", s.admin());
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.body().path("detail").asText()).startsWith("the allocator cannot write its state in " + mountPoint.resolve("server")
                    + ": the disk is full (").contains("free; it resumes once 6.0 MiB are)") // an eighth of its 48 MiB disk
                    .endsWith("Free space on that disk");
        });

        Files.delete(filler);
        await().atMost(Duration.ofSeconds(30)).until(() -> s.get("/v1/health", null).code() == 200);
        List<String> roles = new ArrayList<>();
        s.get("/v1/roles", s.admin()).body().forEach(r -> roles.add(r.path("name").asText()));
        assertThat(roles).contains("before").containsAll(acknowledged).doesNotContain(notMade);
        assertThat(s.put("/v1/roles/after", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
    }
}
