package dev.steward.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A task's {@code stdout.log} and {@code stderr.log}: size-capped rotation and reads by offset.
 * The task writes its own files (opened for appending, so it needs no agent to keep writing);
 * rotation copies a full file to {@code .1} (older ones shift up to {@code keep}) and truncates
 * it in place. Offsets count every byte the stream ever wrote: {@code NAME.rotated} holds the
 * bytes moved out, so an offset stays valid across rotations.
 */
final class LogFiles {
    private LogFiles() {
    }

    /** Rotates {@code name} in {@code dir} if it is above {@code maxBytes}. */
    static void rotate(Path dir, String name, long maxBytes, int keep) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.exists(f) || Files.size(f) <= maxBytes) {
            return;
        }
        for (int i = keep - 1; i >= 1; i--) {
            Path from = dir.resolve(name + "." + i);
            if (Files.exists(from)) {
                Files.move(from, dir.resolve(name + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        long moved;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            moved = ch.size();
            try (FileChannel out = FileChannel.open(dir.resolve(name + ".1"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                long pos = 0;
                while (pos < moved) {
                    pos += ch.transferTo(pos, moved - pos, out);
                }
            }
            ch.truncate(0);
        }
        Files.writeString(dir.resolve(name + ".rotated"), Long.toString(rotated(dir, name) + moved));
    }

    static long rotated(Path dir, String name) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(name + ".rotated")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The bytes from {@code offset} (at most {@code max}) and the offset after them. An offset in rotated-out bytes starts at the current file. */
    record Chunk(byte[] bytes, long next) {
    }

    static Chunk read(Path dir, String name, long offset, int max) throws IOException {
        long base = rotated(dir, name);
        Path f = dir.resolve(name);
        if (!Files.exists(f)) {
            return new Chunk(new byte[0], Math.max(offset, base));
        }
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
            long size = r.length();
            long from = Math.max(offset, base) - base;
            if (from > size) {
                from = size; // truncated under us: resume at the end
            }
            int n = (int) Math.min(max, size - from);
            byte[] b = new byte[n];
            r.seek(from);
            r.readFully(b);
            return new Chunk(b, base + from + n);
        }
    }
}
