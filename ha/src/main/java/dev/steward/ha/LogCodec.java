package dev.steward.ha;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.store.Store.Dump;
import dev.steward.allocator.store.Store.RowBatch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The bytes of log entries and snapshots: JSON, gzipped. An entry names the entry before it
 * ({@code prev}), so a follower sees a gap (a log trimmed past it) instead of skipping changes,
 * and the epoch of the leader that wrote it. Unknown fields are tolerated: a newer release may
 * add some.
 */
final class LogCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private LogCodec() {
    }

    /**
     * One log entry: a batch as stored, after the entry at position {@code prev}, by the leader of
     * {@code epoch}; or, with {@code restore} true, a restored snapshot written at this entry's
     * position, which replaces everything before it.
     */
    record Entry(long prev, int epoch, RowBatch rows, boolean restore) {
        Entry(long prev, int epoch, RowBatch rows) {
            this(prev, epoch, rows, false);
        }
    }

    static byte[] entry(Entry e) {
        return gzip(e);
    }

    static Entry entry(byte[] bytes) {
        return gunzip(bytes, Entry.class);
    }

    static byte[] dump(Dump d) {
        return dev.steward.allocator.store.SnapshotFile.write(d);
    }

    static Dump dump(byte[] bytes) {
        return dev.steward.allocator.store.SnapshotFile.read(bytes);
    }

    private static byte[] gzip(Object o) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            MAPPER.writeValue(z, o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static <T> T gunzip(byte[] bytes, Class<T> type) {
        try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return MAPPER.readValue(z, type);
        } catch (IOException e) {
            throw new UncheckedIOException("a log entry or snapshot cannot be read: " + e.getMessage(), e);
        }
    }
}
