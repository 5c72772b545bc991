package dev.steward.allocator.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.store.Store.Dump;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The bytes of a snapshot: every stored row in its stored shape (task secrets sealed with the
 * secrets key, tokens as hashes) and the counters, as gzipped JSON. What {@code steward snapshot
 * save} writes and {@code restore} reads, and what a replicated setup keeps in ZooKeeper.
 * Package bytes are not in it.
 */
public final class SnapshotFile {
    private static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private SnapshotFile() {
    }

    public static byte[] write(Dump d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            MAPPER.writeValue(z, d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads a snapshot; a file that is not one is an {@link IllegalArgumentException} that says so. */
    public static Dump read(byte[] bytes) {
        try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            Dump d = MAPPER.readValue(z, Dump.class);
            if (d.rows() == null || d.schema() < 1) {
                throw new IllegalArgumentException("not a Steward snapshot: it has no rows or no schema");
            }
            return d;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a Steward snapshot (" + e.getMessage() + ")", e);
        }
    }
}
