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
 * {@code ~/.steward/run/dev-PID} with its address, data directory, the ports its agent lends and
 * its start time, and removes it when it stops. Other commands find a local allocator here,
 * whatever its {@code --data} or {@code --port}; an embedded agent takes a port block no live one's
 * ports overlap, unless {@code --ports} says which. An
 * entry whose process is gone (kill -9) is ignored and removed.
 */
final class DevRegistry {
    /** Embedded agents lend 1,000 ports each, from 20000 on: 12 blocks up to 31999. */
    static final int FIRST_PORT = 20000;
    static final int BLOCK = 1000;
    static final int BLOCKS = 12;

    /** {@code ports}: the ranges its agent lends (a block of {@link #BLOCK}, or what {@code --ports} gave). */
    record Entry(long pid, String address, Path data, String ports, long startedAt) {
        /** The admin token of this allocator, or null if it cannot be read. */
        String token() {
            try {
                return Files.readString(data.resolve("server").resolve("admin.token")).trim();
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** The ports of block {@code b}: 20000-20999 for 0. */
    static String block(int b) {
        int from = FIRST_PORT + b * BLOCK;
        return from + "-" + (from + BLOCK - 1);
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

    /**
     * The ports of the lowest block that no live entry's ports overlap (block 0 when all are
     * taken: the agent's port check still skips what is in use).
     */
    String freeBlock() {
        boolean[] held = new boolean[BLOCKS];
        for (Entry e : live()) {
            List<dev.steward.api.AgentRegistration.PortRange> ranges;
            try {
                ranges = dev.steward.api.AgentRegistration.PortRange.parseList("ports", e.ports());
            } catch (RuntimeException bad) {
                continue; // an entry written by hand: it holds nothing
            }
            for (var r : ranges) {
                for (int b = 0; b < BLOCKS; b++) {
                    int from = FIRST_PORT + b * BLOCK;
                    if (r.from() <= from + BLOCK - 1 && r.to() >= from) {
                        held[b] = true;
                    }
                }
            }
        }
        for (int b = 0; b < BLOCKS; b++) {
            if (!held[b]) {
                return block(b);
            }
        }
        return block(0);
    }

    /** Records this process; returns the file to remove when it stops. */
    Path register(String address, Path data, String ports) throws IOException {
        Files.createDirectories(dir);
        long pid = ProcessHandle.current().pid();
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("address", address);
        p.setProperty("data", data.toAbsolutePath().toString());
        p.setProperty("ports", ports);
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
            String ports = p.getProperty("ports");
            if (ports == null && p.getProperty("block") != null) { // written by an earlier steward: a block's number
                ports = block(Integer.parseInt(p.getProperty("block")));
            }
            return new Entry(Long.parseLong(p.getProperty("pid")), p.getProperty("address"), Path.of(p.getProperty("data")),
                    ports == null ? "" : ports, Long.parseLong(p.getProperty("startedAt", "0")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
