package dev.steward.pkg;

/**
 * The fixed choices that make package bytes depend only on their inputs. Every entry has
 * modification time 0, owner and group 0 with empty names; files are mode 0644, or 0755 when
 * the owner could execute them; directories 0755; symlinks 0777. Long and non-ASCII names use
 * POSIX (PAX) headers, which GNU and BSD tar read. The stream is zstd, written by pure Java
 * (aircompressor, at its single level), so no native library or machine setting enters.
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

    private PackageFormat() {
    }
}
