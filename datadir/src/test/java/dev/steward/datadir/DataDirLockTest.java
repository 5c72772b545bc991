package dev.steward.datadir;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataDirLockTest {
    @TempDir
    Path tmp;
    private Process holder;

    @AfterEach
    void stopHolder() throws Exception {
        if (holder != null) {
            holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts a JVM of its own that holds {@code dir}; returns once it says it does. */
    private Process holdInAnotherProcess(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).as("the holder's first line").startsWith("held ");
        return holder;
    }

    @Test
    void a_directory_another_process_holds_is_refused_naming_it_and_is_free_again_once_that_process_is_killed() throws Exception {
        Path dir = tmp.resolve("data");
        Process other = holdInAnotherProcess(dir);
        assertThatThrownBy(() -> DataDirLock.acquire(dir, "allocator")).isInstanceOf(DataDirLock.InUse.class)
                .hasMessageStartingWith("the data directory " + dir + " is in use by test holder (pid " + other.pid() + "): ")
                .hasMessageContaining("give this one a data directory of its own");
        assertThatThrownBy(() -> DataDirLock.acquire(dir, "allocator")).as("a refusal leaves nothing held here").isInstanceOf(DataDirLock.InUse.class);

        other.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9: the kernel drops its lock, no stale file to clean
        try (DataDirLock mine = DataDirLock.acquire(dir, "allocator")) {
            assertThat(Files.readString(dir.resolve(DataDirLock.FILE))).isEqualTo(ProcessHandle.current().pid() + " allocator\n");
            assertThat(mine.dir()).isEqualTo(dir);
        }
    }

    @Test
    void a_directory_this_process_holds_is_refused_to_a_second_holder_here_without_dropping_the_first_holders_lock() throws Exception {
        Path dir = tmp.resolve("data");
        try (DataDirLock first = DataDirLock.acquire(dir, "steward dev")) {
            assertThatThrownBy(() -> DataDirLock.acquire(dir.resolve("..").resolve("data"), "agent")).isInstanceOf(DataDirLock.InUse.class)
                    .hasMessageContaining("in use by steward dev, in this process (pid " + ProcessHandle.current().pid() + ")");
            // the refusal opened no second channel, which would have let the kernel drop the first one's lock: another process still cannot take it
            Process probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), LockHolder.class.getName(), dir.toString()).start();
            holder = probe;
            probe.getOutputStream().close();
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(probe.exitValue()).as("the other process was refused").isNotZero();
            assertThat(new String(probe.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("is in use by steward dev (pid ");
        }
        try (DataDirLock again = DataDirLock.acquire(dir, "agent")) {
            assertThat(again.dir()).as("free once closed").isEqualTo(dir);
        }
    }

    @Test
    void a_lock_file_left_by_a_holder_that_died_does_not_hold_the_directory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(dir.resolve(DataDirLock.FILE), "999999 steward dev\n"); // a file, but no process holding a lock on it
        try (DataDirLock mine = DataDirLock.acquire(dir, "steward dev")) {
            assertThat(Files.readString(dir.resolve(DataDirLock.FILE))).isEqualTo(ProcessHandle.current().pid() + " steward dev\n");
        }
    }
}
