package dev.steward.pkg;

import dev.steward.api.HealthCheck;
import dev.steward.api.PackageManifest;
import dev.steward.api.Provenance;
import dev.steward.api.ResourceAmounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test trees and manifests. */
final class Trees {
    private Trees() {
    }

    static PackageManifest manifest() {
        return new PackageManifest(null, "web", "1.2.3", "exec ./bin/web --port=$PORT_HTTP", Map.of("B", "2", "A", "1"), List.of("http"),
                new HealthCheck("http", "/healthz", "http", null, "1s", "500ms", null, null), new ResourceAmounts("0.5", "256m", null, null, null),
                new Provenance("https://ci.example/job/web/42/", "web", "42", "0123456789abcdef0123456789abcdef01234567", "jenkins",
                        "2026-11-27T12:00:00Z"));
    }

    /** Runs a shell script in {@code dir} (so umask and creation order are the shell's). */
    static void sh(Path dir, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-ec", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("script failed: " + out);
        }
    }

    /** Every path under {@code dir} (relative, sorted), with "/" after directories and "@" before symlinks. */
    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> (Files.isSymbolicLink(p) ? "@" : "") + dir.relativize(p)
                    + (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "/" : "")).sorted().toList();
        }
    }

    /** path → content (files) or "-> target" (symlinks) under dir. */
    static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    out.put(rel, Files.readString(p) + (Files.isExecutable(p) ? " [x]" : ""));
                }
            }
        }
        return out;
    }
}
