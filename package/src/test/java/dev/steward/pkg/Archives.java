package dev.steward.pkg;

import com.github.luben.zstd.ZstdOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Hand-made archives, hostile ones included, written entry by entry. */
final class Archives {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    private Archives(boolean withManifest) throws IOException {
        tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes), "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        if (withManifest) {
            file("steward.json", "{\"name\":\"evil\"}");
        }
    }

    static Archives withManifest() throws IOException {
        return new Archives(true);
    }

    static Archives bare() throws IOException {
        return new Archives(false);
    }

    Archives file(String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true); // true: keep a leading '/' as written
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
        return this;
    }

    /** A file of {@code size} zero bytes: compresses to almost nothing. */
    Archives zeros(String name, long size) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(size);
        tar.putArchiveEntry(e);
        byte[] buf = new byte[1 << 20];
        for (long left = size; left > 0; left -= buf.length) {
            tar.write(buf, 0, (int) Math.min(buf.length, left));
        }
        tar.closeArchiveEntry();
        return this;
    }

    Archives dir(String name) throws IOException {
        tar.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true));
        tar.closeArchiveEntry();
        return this;
    }

    Archives link(String name, String target, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    Archives symlink(String name, String target) throws IOException {
        return link(name, target, TarConstants.LF_SYMLINK);
    }

    Archives hardlink(String name, String target) throws IOException {
        return link(name, target, TarConstants.LF_LINK);
    }

    Archives special(String name, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        return this;
    }

    byte[] bytes() throws IOException {
        tar.close();
        return bytes.toByteArray();
    }
}
