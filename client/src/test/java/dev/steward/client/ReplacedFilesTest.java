package dev.steward.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A file written where a user says: whole, with its mode, and through no link planted at its name. */
class ReplacedFilesTest {
    @TempDir
    Path dir;

    @Test
    void aLinkAtTheTargetIsReplacedNotFollowedAndTheModeIsTheOneAsked() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "keep me");
        Path report = dir.resolve("monitor.html");
        Files.createSymbolicLink(report, victim);
        ReplacedFiles.write(report, "<html>verdict</html>".getBytes(StandardCharsets.UTF_8), ReplacedFiles.SHARED);
        assertThat(victim).hasContent("keep me");
        assertThat(Files.isSymbolicLink(report)).isFalse();
        assertThat(report).hasContent("<html>verdict</html>");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(report))).isEqualTo("rw-r--r--");

        Path snapshot = Files.writeString(dir.resolve("state.snap"), "an older one, world-readable");
        ReplacedFiles.write(snapshot, new byte[] {1, 2, 3}, ReplacedFiles.PRIVATE);
        assertThat(Files.readAllBytes(snapshot)).containsExactly(1, 2, 3);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshot))).isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactlyInAnyOrder("victim", "monitor.html", "state.snap");
        }
    }

    /** A file system with no POSIX modes (as a Jenkins controller on Windows has): the file is replaced all the same. */
    @Test
    void aFileSystemWithoutPosixModesGetsTheFileReplacedAllTheSame() throws Exception {
        try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(dir.resolve("reports.zip"), java.util.Map.of("create", "true"))) {
            assertThat(zip.supportedFileAttributeViews()).doesNotContain("posix");
            Path report = Files.createDirectories(zip.getPath("/steward-monitor")).resolve("monitor.json");
            Files.writeString(report, "an older report");
            ReplacedFiles.write(report, "{}".getBytes(StandardCharsets.UTF_8), ReplacedFiles.SHARED);
            assertThat(Files.readString(report)).isEqualTo("{}");
            try (Stream<Path> files = Files.list(report.getParent())) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("monitor.json");
            }
        }
    }
}
