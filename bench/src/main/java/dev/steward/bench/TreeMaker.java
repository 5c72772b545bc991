package dev.steward.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A build-like tree for the packaging benchmark: {@code bytes} in files of 1 KiB to 1 MiB under
 * nested directories; half text (log- and source-like lines, compressible), a quarter random
 * (like jars and images, incompressible), a quarter repetitive. Seeded, so every run is the same.
 */
final class TreeMaker {
    private static final String[] WORDS = ("the quick service request returned status ok error timeout retry config value user "
            + "build deploy package class public static final void return import java util list map string int long if else "
            + "for while new throw exception null true false get set put size index key name id time 200 404 500 GET POST").split(" ");

    private TreeMaker() {
    }

    /** Makes the tree; returns the number of files. */
    static int make(Path root, long bytes, long seed) throws IOException {
        Random r = new Random(seed);
        long written = 0;
        int files = 0;
        byte[] rand = new byte[1 << 20];
        while (written < bytes) {
            int size = (int) Math.min(bytes - written, 1024 + (long) (Math.pow(r.nextDouble(), 3) * (1 << 20)));
            Path dir = root.resolve("mod" + r.nextInt(16)).resolve("src" + r.nextInt(8)).resolve("pkg" + r.nextInt(8));
            Files.createDirectories(dir);
            Path f = dir.resolve("f" + files + (files % 4 == 1 ? ".bin" : files % 4 == 3 ? ".dat" : ".txt"));
            try (OutputStream out = Files.newOutputStream(f)) {
                switch (files % 4) {
                    case 1 -> {
                        r.nextBytes(rand);
                        out.write(rand, 0, size);
                    }
                    case 3 -> {
                        byte[] unit = ("record " + r.nextInt(100) + " ").repeat(40).getBytes(StandardCharsets.US_ASCII);
                        for (int left = size; left > 0; left -= unit.length) {
                            out.write(unit, 0, Math.min(unit.length, left));
                        }
                    }
                    default -> {
                        StringBuilder sb = new StringBuilder(size + 128);
                        while (sb.length() < size) {
                            sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(10) == 0 ? '\n' : ' ');
                        }
                        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, size);
                    }
                }
            }
            written += size;
            files++;
        }
        return files;
    }
}
