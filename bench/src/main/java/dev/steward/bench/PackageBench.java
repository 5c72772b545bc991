package dev.steward.bench;

import io.airlift.compress.zstd.ZstdOutputStream;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.PackageManifest;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import dev.steward.pkg.TreeEntry;
import dev.steward.pkg.UnpackLimits;
import dev.steward.pkg.Unpacker;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Packaging and transfer, measured in one run against peers and the physical limit:
 * <ol>
 * <li>packaging a generated build tree (default 1 GiB) with Steward (pure-Java zstd) against
 * {@code tar -cf - DIR | zstd -3} and {@code | gzip -6}, and against the same tar stream through
 * the JDK's gzip and pure-Java zstd (aircompressor), which is how the format was chosen;</li>
 * <li>unpacking with Steward's safe unpacker against {@code tar --zstd -xf};</li>
 * <li>upload and download through a real allocator on loopback against a plain file copy.</li>
 * </ol>
 * Usage: {@code bench/run PackageBench [SIZE_MIB] [WORK_DIR]}. The tree stays in the page cache
 * (this machine has the memory), so the figures are CPU and loopback costs, not disk.
 */
public final class PackageBench {
    private PackageBench() {
    }

    record Result(String name, double seconds, long bytes) {
    }

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        Path work = Files.createTempDirectory(args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir")), "steward-pkgbench");
        try {
            run(work, mib << 20);
        } finally {
            exec("rm -rf " + work);
        }
    }

    private static void run(Path work, long bytes) throws Exception {
        Path tree = work.resolve("tree");
        long t0 = System.nanoTime();
        int files = TreeMaker.make(tree, bytes, 42);
        System.out.printf(Locale.ROOT, "tree: %d files, %d MiB, made in %.1f s; %d cores%n", files, bytes >> 20, secs(t0),
                Runtime.getRuntime().availableProcessors());
        exec("cat $(find " + tree + " -type f) > /dev/null"); // warm the page cache for every contender alike
        PackageManifest m = new PackageManifest(null, "bench", "1", "true", null, null, null, null, null);

        // warm-up of the JIT on a smaller run, then the measured runs
        PackageBuilder.from(tree.resolve("mod0")).manifest(m).writeTo(work.resolve("warm.tar.zst"));
        try (InputStream in = Files.newInputStream(work.resolve("warm.tar.zst"))) {
            new Unpacker(UnpackLimits.DEFAULT).unpack(in, work.resolve("warm"));
        }
        exec("rm -rf " + work.resolve("warm") + " " + work.resolve("warm.tar.zst"));

        long s = System.nanoTime();
        BuiltPackage p = PackageBuilder.from(tree).manifest(m).writeTo(work.resolve("steward.tar.zst"));
        Result steward = new Result("steward package (tar + zstd-jni -3)", secs(s), p.size());
        Result tarZstd = shell("tar -cf - DIR | zstd -3 -T1 -q", "tar -C " + tree + " -cf - . | zstd -3 -T1 -q -c > " + work.resolve("sys.tar.zst"),
                work.resolve("sys.tar.zst"));
        Result tarGzip = shell("tar -cf - DIR | gzip -6", "tar -C " + tree + " -cf - . | gzip -6 -c > " + work.resolve("sys.tar.gz"),
                work.resolve("sys.tar.gz"));
        List<TreeEntry> entries = PackageBuilder.from(tree).entries();
        Result jdkGzip = tarWith("same tar, JDK gzip level 6", entries, work.resolve("jdk.tar.gz"), out -> {
            try {
                return new GZIPOutputStream(out, 1 << 16) {
                    {
                        def.setLevel(Deflater.DEFAULT_COMPRESSION);
                    }
                };
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Result jni = tarWith("same tar, pure-Java zstd (aircompressor)", entries, work.resolve("jni.tar.zst"), out -> {
            try {
                return new ZstdOutputStream(out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        System.out.println();
        System.out.println("PACKAGING " + (bytes >> 20) + " MiB in " + files + " files");
        System.out.printf("%-42s %9s %9s %10s %12s%n", "", "seconds", "MiB/s", "size MiB", "vs tar|zstd");
        for (Result r : List.of(steward, tarZstd, tarGzip, jdkGzip, jni)) {
            System.out.printf(Locale.ROOT, "%-42s %9.2f %9.0f %10.1f %11.2fx%n", r.name(), r.seconds(), (bytes >> 20) / r.seconds(), r.bytes() / 1048576.0,
                    r.seconds() / tarZstd.seconds());
        }
        System.out.printf(Locale.ROOT, "steward is %.2fx the time of tar|zstd and %.2fx that of tar|gzip; its package is %.1f%% of the tree%n",
                steward.seconds() / tarZstd.seconds(), steward.seconds() / tarGzip.seconds(), 100.0 * p.size() / bytes);

        // unpack
        Path into = work.resolve("unpacked");
        s = System.nanoTime();
        try (InputStream in = Files.newInputStream(work.resolve("steward.tar.zst"))) {
            new Unpacker(UnpackLimits.DEFAULT).unpack(in, into);
        }
        double unpack = secs(s);
        Files.createDirectories(work.resolve("tar-x"));
        Result tarX = shell("tar --zstd -xf", "tar --zstd -xf " + work.resolve("steward.tar.zst") + " -C " + work.resolve("tar-x"), null);
        System.out.println();
        System.out.printf(Locale.ROOT, "UNPACKING: steward (checked, safe) %.2f s, tar --zstd -xf %.2f s: %.2fx%n", unpack, tarX.seconds(),
                unpack / tarX.seconds());
        exec("rm -rf " + into + " " + work.resolve("tar-x") + " " + work.resolve("sys.tar.zst") + " " + work.resolve("sys.tar.gz") + " "
                + work.resolve("jdk.tar.gz") + " " + work.resolve("jni.tar.zst"));

        // transfer through a real allocator on loopback
        Path pkg = work.resolve("steward.tar.zst");
        s = System.nanoTime();
        Files.copy(pkg, work.resolve("copy.tar.zst"), StandardCopyOption.REPLACE_EXISTING);
        double copy = secs(s);
        Files.delete(work.resolve("copy.tar.zst"));
        s = System.nanoTime();
        PackageClient.digestOf(pkg);
        double hash = secs(s);
        try (Server server = Server.start(ServerConfig.of(work.resolve("server")))) {
            StewardClient c = StewardClient.builder(server.url()).token(server.adminToken()).build();
            PackageClient pc = c.packages();
            s = System.nanoTime();
            pc.upload(pkg, p.digest());
            double up = secs(s);
            s = System.nanoTime();
            boolean skipped = !pc.push(pkg, p.digest()).uploaded();
            double head = secs(s);
            s = System.nanoTime();
            pc.download(p.digest(), work.resolve("down.tar.zst"));
            double down = secs(s);
            double mb = p.size() / 1048576.0;
            System.out.println();
            System.out.printf(Locale.ROOT, "TRANSFER of the %.0f MiB package on loopback%n", mb);
            System.out.printf(Locale.ROOT, "  plain file copy     %7.2f s  %7.0f MiB/s%n", copy, mb / copy);
            System.out.printf(Locale.ROOT, "  SHA-256 of the file %7.2f s  %7.0f MiB/s  (a verified transfer cannot beat this on one core)%n", hash, mb / hash);
            System.out.printf(Locale.ROOT, "  upload (verified)   %7.2f s  %7.0f MiB/s  %.2fx the copy's time, %.2fx the hash's%n", up, mb / up, up / copy, up / hash);
            System.out.printf(Locale.ROOT, "  download (verified) %7.2f s  %7.0f MiB/s  %.2fx the copy's time, %.2fx the hash's%n", down, mb / down, down / copy,
                    down / hash);
            System.out.println("  (the upload also fsyncs and inspects every entry of the package before it is visible)");
            System.out.printf(Locale.ROOT, "  second push: %s in %.1f ms (HEAD only)%n", skipped ? "skipped" : "UPLOADED AGAIN", head * 1000);
        }
    }

    private static Result tarWith(String name, List<TreeEntry> entries, Path out, Function<OutputStream, OutputStream> compressor) throws IOException {
        long s = System.nanoTime();
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(compressor.apply(file), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TreeEntry e : entries) {
                if (e.kind() == TreeEntry.Kind.FILE) {
                    TarArchiveEntry te = new TarArchiveEntry(e.path(), TarConstants.LF_NORMAL);
                    te.setSize(e.size());
                    tar.putArchiveEntry(te);
                    Files.copy(e.source(), tar);
                    tar.closeArchiveEntry();
                }
            }
        }
        return new Result(name, secs(s), Files.size(out));
    }

    private static Result shell(String name, String cmd, Path out) throws Exception {
        long s = System.nanoTime();
        exec(cmd);
        return new Result(name, secs(s), out == null ? 0 : Files.size(out));
    }

    private static void exec(String cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(cmd + " failed: " + out);
        }
    }

    private static double secs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
