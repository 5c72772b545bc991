package dev.steward.pkg;

/**
 * The fixed choices that make package bytes depend only on their inputs. Every entry has
 * modification time 0, owner and group 0 with empty names; files are mode 0644, or 0755 when
 * the owner could execute them; directories 0755; symlinks 0777. Long and non-ASCII names use
 * POSIX (PAX) headers, which GNU and BSD tar read. The stream is one zstd frame at level 3 in
 * zstd's multi-threaded mode, from the zstd library bundled in zstd-jni: compression runs on
 * zstd's own worker threads, beside the thread that reads, archives and hashes, as
 * {@code tar | zstd} runs in two processes. zstd's output in that mode is the same for any number
 * of workers from one up (so a package's bytes do not depend on the machine's cores:
 * {@code DeterminismTest}) and on every platform for one library version and level, and the
 * version is pinned with Steward's (a new zstd may change the bytes, never the contents). Until
 * 2026-12-03 the stream was single-threaded, which gives other bytes for the same tree: a package
 * made again by this release has a new digest, and the same contents. Measured on 1 GiB (bench/run PackageBench):
 * gzip over ten times slower for packages 2% smaller; pure-Java zstd (aircompressor) 1.2x slower
 * with packages 35% larger.
 */
public final class PackageFormat {
    public static final String MEDIA_TYPE = "application/vnd.steward.package.v1+tar+zstd";
    public static final String FILE_SUFFIX = ".tar.zst";
    public static final int FILE_MODE = 0100644;
    public static final int EXEC_MODE = 0100755;
    public static final int DIR_MODE = 040755;
    public static final int LINK_MODE = 0120777;
    /** zstd's frame magic, little-endian 0xFD2FB528. */
    static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD};

    static final int LEVEL = 3;

    private PackageFormat() {
    }

    /** zstd's worker threads: the machine's cores, at least one (the bytes are the same for any count from one up), at most 8. */
    static final int WORKERS = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));

    /** The zstd stream packages are written through. */
    static java.io.OutputStream compress(java.io.OutputStream out) throws java.io.IOException {
        return compress(out, WORKERS);
    }

    /** As above with {@code workers} threads (at least 1: 0 is zstd's single-threaded mode, whose bytes differ). */
    static java.io.OutputStream compress(java.io.OutputStream out, int workers) throws java.io.IOException {
        if (workers < 1) {
            throw new IllegalArgumentException("packages are compressed in zstd's multi-threaded mode: at least one worker, not " + workers);
        }
        com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(out, LEVEL);
        z.setWorkers(workers);
        z.setChecksum(false);
        return z;
    }

    /** Reads a zstd stream; a frame that needs a window above 128 MiB is refused by the library. */
    static java.io.InputStream decompress(java.io.InputStream in) throws java.io.IOException {
        return new com.github.luben.zstd.ZstdInputStream(in);
    }
}
