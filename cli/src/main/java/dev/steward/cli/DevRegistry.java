package dev.steward.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The local {@code steward dev} (and {@code demo}) processes of this user: each writes
 * {@code ~/.steward/run/dev-PID} with its address, data directory, port block and start time,
 * and removes it when it stops. Other commands find a local allocator here, whatever its
 * {@code --data} or {@code --port}; embedded agents take a port block no live one holds. An
 * entry whose process is gone (kill -9) is ignored and removed.
 */
final class DevRegistry {
    /** Embedded agents lend 1,000 ports each, from 20000 on: 12 blocks up to 31999. */
    static final int FIRST_PORT = 20000;
    static final int BLOCK = 1000;
    static final int BLOCKS = 12;

    record Entry(long pid, String address, Path data, int block, long startedAt) {
        String ports() {
            int from = FIRST_PORT + block * BLOCK;
            return from + "-" + (from + BLOCK - 1);
        }

        /** The admin token of this allocator, or null if it cannot be read. */
        String token() {
            try {
                return Files.readString(data.resolve("server").resolve("admin.token")).trim();
            } catch (IOException e) {
                return null;
            }
        }
    }

    private final Path dir;

    DevRegistry(Path dir) {
        this.dir = dir;
    }

    static DevRegistry user() {
        return new DevRegistry(Path.of(System.getProperty("user.home"), ".steward", "run"));
    }

    /** The live entries, newest first. */
    List<Entry> live() {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("dev-\\d+")).toList()) {
                Entry e = read(f);
                if (e == null || ProcessHandle.of(e.pid()).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
                    Files.deleteIfExists(f); // its process is gone
                } else {
                    out.add(e);
                }
            }
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.comparingLong(Entry::startedAt).reversed());
        return out;
    }

    /** The lowest port block that no live entry holds (block 0 when all are taken: the agent's port check still skips what is in use). */
    int freeBlock() {
        boolean[] held = new boolean[BLOCKS];
        for (Entry e : live()) {
            if (e.block() >= 0 && e.block() < BLOCKS) {
                held[e.block()] = true;
            }
        }
        for (int b = 0; b < BLOCKS; b++) {
            if (!held[b]) {
                return b;
            }
        }
        return 0;
    }

    /** Records this process; returns the file to remove when it stops. */
    Path register(String address, Path data, int block) throws IOException {
        Files.createDirectories(dir);
        long pid = ProcessHandle.current().pid();
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("address", address);
        p.setProperty("data", data.toAbsolutePath().toString());
        p.setProperty("block", Integer.toString(block));
        p.setProperty("startedAt", Long.toString(System.currentTimeMillis()));
        Path f = dir.resolve("dev-" + pid);
        Path tmp = dir.resolve(".dev-" + pid + ".tmp");
        try (var w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "a local steward dev");
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    private static Entry read(Path f) {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
            return new Entry(Long.parseLong(p.getProperty("pid")), p.getProperty("address"), Path.of(p.getProperty("data")),
                    Integer.parseInt(p.getProperty("block", "-1")), Long.parseLong(p.getProperty("startedAt", "0")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
