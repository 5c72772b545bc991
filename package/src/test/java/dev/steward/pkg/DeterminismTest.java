package dev.steward.pkg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The same tree and manifest give the same bytes, whatever path, clock, umask, owner or creation order. */
class DeterminismTest {
    @TempDir
    Path tmp;

    private static final String FILES = """
            mkdir -p bin conf/deep lib
            printf 'echo web\\n' > bin/web && chmod 755 bin/web
            printf 'port=8080\\n' > conf/app.properties
            printf 'deep\\n' > conf/deep/x.yml
            head -c 300000 /dev/zero | tr '\\0' 'a' > lib/big.jar
            ln -s ../lib/big.jar bin/big.jar
            """;
    private static final String FILES_REVERSED = """
            mkdir -p lib conf/deep bin
            head -c 300000 /dev/zero | tr '\\0' 'a' > lib/big.jar
            ln -s ../lib/big.jar bin/big.jar
            printf 'deep\\n' > conf/deep/x.yml
            printf 'port=8080\\n' > conf/app.properties
            printf 'echo web\\n' > bin/web && chmod 700 bin/web
            """;

    private BuiltPackage pack(Path dir, Path out) throws Exception {
        return PackageBuilder.from(dir).include("bin/**, conf/**, lib/*.jar").manifest(Trees.manifest()).writeTo(out);
    }

    @Test
    void differentDirectoriesTimesUmasksOrdersAndOwnersGiveIdenticalBytes() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("first/checkout"));
        Path b = Files.createDirectories(tmp.resolve("elsewhere/much/deeper/copy"));
        Trees.sh(a, "umask 022\n" + FILES);
        Trees.sh(b, "umask 077\n" + FILES_REVERSED);
        try (Stream<Path> s = Files.walk(b)) {
            for (Path p : s.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
                }
            }
        }
        if ("root".equals(System.getProperty("user.name"))) {
            Trees.sh(b, "chown -R nobody . 2>/dev/null || true");
        }
        BuiltPackage pa = pack(a, tmp.resolve("a.tar.zst"));
        BuiltPackage pb = pack(b, tmp.resolve("b.tar.zst"));
        assertThat(pb.digest()).isEqualTo(pa.digest());
        assertThat(Files.readAllBytes(tmp.resolve("b.tar.zst"))).isEqualTo(Files.readAllBytes(tmp.resolve("a.tar.zst")));
        assertThat(pa.files()).isEqualTo(5);
        assertThat(pa.expandedBytes()).isEqualTo(300000 + 9 + 10 + 5);
        assertThat(pa.size()).isEqualTo(Files.size(tmp.resolve("a.tar.zst")));
    }

    @Test
    void theBytesDoNotDependOnHowManyCoresCompressThem() throws Exception {
        java.util.Random r = new java.util.Random(7);
        StringBuilder text = new StringBuilder();
        while (text.length() < 24 << 20) { // past zstd's job size at level 3, so several workers each take a part
            text.append("line ").append(r.nextInt(100_000)).append(" of a build log, compressible as real ones are\n");
        }
        byte[] in = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.List<byte[]> outs = new java.util.ArrayList<>();
        for (int workers : new int[] {1, 2, 3, 8}) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (java.io.OutputStream z = PackageFormat.compress(out, workers)) {
                z.write(in);
            }
            outs.add(out.toByteArray());
        }
        for (byte[] o : outs) {
            assertThat(o).isEqualTo(outs.get(0));
        }
        try (java.io.InputStream back = PackageFormat.decompress(new java.io.ByteArrayInputStream(outs.get(0)))) {
            assertThat(back.readAllBytes()).isEqualTo(in);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PackageFormat.compress(new java.io.ByteArrayOutputStream(), 0))
                .hasMessageContaining("at least one worker");
    }

    @Test
    void packagingTwiceAtDifferentTimesGivesTheSameDigest() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(a, FILES);
        BuiltPackage first = pack(a, tmp.resolve("1.tar.zst"));
        Trees.sh(a, "touch -d '2030-01-01' bin/web conf/app.properties");
        BuiltPackage second = pack(a, tmp.resolve("2.tar.zst"));
        assertThat(second.digest()).isEqualTo(first.digest());
    }

    @Test
    void contentExecutableBitAndManifestChangeTheDigest() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(a, FILES);
        String base = pack(a, tmp.resolve("0.tar.zst")).digest();
        Trees.sh(a, "chmod 644 bin/web");
        String noExec = pack(a, tmp.resolve("1.tar.zst")).digest();
        Trees.sh(a, "chmod 755 bin/web; printf 'port=9090\\n' > conf/app.properties");
        String content = pack(a, tmp.resolve("2.tar.zst")).digest();
        Trees.sh(a, "printf 'port=8080\\n' > conf/app.properties");
        var m = Trees.manifest();
        String other = PackageBuilder.from(a).include("bin/**, conf/**, lib/*.jar")
                .manifest(new dev.steward.api.PackageManifest(null, m.name(), "1.2.4", m.command(), m.env(), m.ports(), m.healthCheck(), m.resources(),
                        m.provenance())).writeTo(tmp.resolve("3.tar.zst")).digest();
        String back = pack(a, tmp.resolve("4.tar.zst")).digest();
        assertThat(java.util.List.of(base, noExec, content, other)).doesNotHaveDuplicates();
        assertThat(back).isEqualTo(base);
    }

    @Test
    void standardTarOpensThePackageWithNormalisedOwnersTimesAndModes() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/zstd")), "zstd is not installed (apt-get install zstd); .ci/run installs it");
        Path a = Files.createDirectories(tmp.resolve("w"));
        Trees.sh(a, FILES);
        pack(a, tmp.resolve("p.tar.zst"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Process list = new ProcessBuilder("tar", "--zstd", "--numeric-owner", "--full-time", "-tvf", tmp.resolve("p.tar.zst").toString())
                .redirectErrorStream(true).start();
        String listing = new String(list.getInputStream().readAllBytes());
        assertThat(list.waitFor()).as(listing).isZero();
        // perms owner/group size date time name
        assertThat(listing.lines().map(l -> l.split("\\s+", 6)).map(f -> f[0] + " " + f[1] + " " + f[3] + " " + f[4] + " " + f[5]).toList())
                .containsExactly(
                        "-rw-r--r-- 0/0 1970-01-01 00:00:00 steward.json",
                        "drwxr-xr-x 0/0 1970-01-01 00:00:00 bin/",
                        "lrwxrwxrwx 0/0 1970-01-01 00:00:00 bin/big.jar -> ../lib/big.jar",
                        "-rwxr-xr-x 0/0 1970-01-01 00:00:00 bin/web",
                        "drwxr-xr-x 0/0 1970-01-01 00:00:00 conf/",
                        "-rw-r--r-- 0/0 1970-01-01 00:00:00 conf/app.properties",
                        "drwxr-xr-x 0/0 1970-01-01 00:00:00 conf/deep/",
                        "-rw-r--r-- 0/0 1970-01-01 00:00:00 conf/deep/x.yml",
                        "drwxr-xr-x 0/0 1970-01-01 00:00:00 lib/",
                        "-rw-r--r-- 0/0 1970-01-01 00:00:00 lib/big.jar");
        Process x = new ProcessBuilder("tar", "--zstd", "-xf", tmp.resolve("p.tar.zst").toString(), "-C", out.toString()).inheritIO().start();
        assertThat(x.waitFor()).isZero();
        assertThat(Trees.contents(out)).containsAllEntriesOf(Trees.contents(a));
    }
}
