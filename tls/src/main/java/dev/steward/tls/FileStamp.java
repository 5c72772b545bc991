package dev.steward.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;

/**
 * What a set of files looked like when last read: each one's identity (its inode, so a file
 * renamed over it counts), size and modification time. Two stamps differ once any file was
 * replaced or written; a file that cannot be read stamps as absent.
 */
record FileStamp(List<Object> parts) {
    static FileStamp of(Path... files) {
        Object[] parts = new Object[files.length * 3];
        int i = 0;
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                parts[i++] = a.fileKey();
                parts[i++] = a.size();
                parts[i++] = a.lastModifiedTime().toMillis();
            } catch (IOException gone) {
                parts[i++] = "absent";
                parts[i++] = -1L;
                parts[i++] = -1L;
            }
        }
        return new FileStamp(java.util.Arrays.asList(parts));
    }

    boolean same(FileStamp other) {
        return other != null && Objects.equals(parts, other.parts);
    }
}
