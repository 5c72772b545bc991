package dev.steward.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class PrivateFilesTest {
    @Test
    void a_file_is_written_whole_and_0600_even_over_a_temporary_file_a_crash_left_readable(@TempDir Path dir) throws Exception {
        Path pid = dir.resolve("pid");
        Files.writeString(dir.resolve("pid.tmp"), "left by a crash, readable by all: a much longer line than the next\n");
        Files.setPosixFilePermissions(dir.resolve("pid.tmp"), PosixFilePermissions.fromString("rw-r--r--"));

        PrivateFiles.write(pid, "123 456\n".getBytes());
        assertThat(pid).hasContent("123 456");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pid))).isEqualTo("rw-------");
        assertThat(dir.resolve("pid.tmp")).doesNotExist();

        PrivateFiles.write(pid, "7 8\n".getBytes());
        assertThat(pid).hasContent("7 8");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pid))).isEqualTo("rw-------");
    }
}
