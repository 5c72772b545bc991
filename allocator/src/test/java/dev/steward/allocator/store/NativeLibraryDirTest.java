package dev.steward.allocator.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sqlite-jdbc's copies of its native library, with real processes: the directory of a process
 * killed with SIGKILL is removed at the next start, those of running processes stay, and a normal
 * exit leaves nothing. Before, every killed allocator left 1.1 MB in {@code /tmp} for good.
 */
class NativeLibraryDirTest {
    @TempDir
    Path tmp;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process sleeper() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        started.add(p);
        return p;
    }

    private Path base() throws Exception {
        return Files.createDirectory(tmp.resolve("base"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @Test
    void a_start_removes_the_directories_of_processes_that_are_gone_and_keeps_those_of_running_ones() throws Exception {
        Path base = base();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor(30, TimeUnit.SECONDS);
        Process running = sleeper();
        Path dead = Files.createDirectory(base.resolve(NativeLibraryDir.name(ended.toHandle())));
        Files.write(dead.resolve("sqlite-3.54.1.0-x-libsqlitejdbc.so"), new byte[1024]);
        Files.write(dead.resolve("sqlite-3.54.1.0-x-libsqlitejdbc.so.lck"), new byte[0]);
        Path alive = Files.createDirectory(base.resolve(NativeLibraryDir.name(running.toHandle())));
        Files.write(alive.resolve("sqlite-3.54.1.0-y-libsqlitejdbc.so"), new byte[1024]);
        Path reused = Files.createDirectory(base.resolve(running.pid() + "-1")); // its pid, but a process that started long before: not it
        Path other = Files.createDirectory(base.resolve("not-a-process"));

        Path own = NativeLibraryDir.prepare(base, ProcessHandle.current());

        assertThat(own).isEqualTo(base.resolve(NativeLibraryDir.name(ProcessHandle.current()))).isDirectory();
        assertThat(dead).as("a process that ended").doesNotExist();
        assertThat(reused).as("a pid used again by another process").doesNotExist();
        assertThat(alive.resolve("sqlite-3.54.1.0-y-libsqlitejdbc.so")).as("a running process's copy").exists();
        assertThat(other).as("what is not named PID-START is not ours to judge").exists();
    }

    @Test
    void a_place_that_is_not_this_users_alone_is_not_used() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertThat(NativeLibraryDir.prepare(open, ProcessHandle.current())).as("readable by others").isNull();
        Path target = base();
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        assertThat(NativeLibraryDir.prepare(link, ProcessHandle.current())).as("a symbolic link someone could have planted").isNull();
        assertThat(NativeLibraryDir.prepare(tmp.resolve("made"), ProcessHandle.current())).as("made by us, 0700").isNotNull();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("made")))).isEqualTo("rwx------");
    }

    /** A JVM that opens a store in {@code data} with {@code tmp} as its temporary directory, and says so on its output. */
    private Process storeProcess(Path data) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), OpenStore.class.getName(), data.toString())
                .redirectErrorStream(true).start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) { // ends when the process does: a test that hangs is the process's fault
            if (line.equals("open")) {
                return p;
            }
        }
        throw new AssertionError("the store process ended without opening its store: " + p.waitFor());
    }

    private List<Path> libraries() throws Exception {
        try (Stream<Path> all = Files.walk(tmp)) {
            return all.filter(f -> f.getFileName().toString().endsWith("libsqlitejdbc.so")).toList();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(120) // a store process that never says it opened
    void an_allocator_killed_with_sigkill_leaves_no_copy_of_the_library_once_the_next_has_started() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Process first = storeProcess(data);
        assertThat(libraries()).hasSize(1);
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9: no exit hook runs
        assertThat(libraries()).as("left by the killed process").hasSize(1);

        Process second = storeProcess(data);
        assertThat(libraries()).as("the killed process's copy is gone, the running one's is there").hasSize(1)
                .allSatisfy(l -> assertThat(l.getParent().getFileName().toString()).isEqualTo(NativeLibraryDir.name(second.toHandle())));

        second.destroy(); // SIGTERM: a normal exit
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (Stream<Path> left = Files.list(tmp.resolve("steward-sqlite-" + System.getProperty("user.name")))) {
            assertThat(left.toList()).as("a normal exit leaves nothing").isEmpty();
        }
    }

    /** The child process of the test above. */
    public static final class OpenStore {
        public static void main(String[] args) throws Exception {
            try (SqliteStore s = new SqliteStore(Path.of(args[0]))) {
                System.out.println("open");
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }
}
