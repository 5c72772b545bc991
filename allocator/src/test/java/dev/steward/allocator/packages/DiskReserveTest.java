package dev.steward.allocator.packages;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Uploads together never take the disk the allocator's state needs: each promises its bytes
 * before it writes them, against a disk whose free space the test sets (100 MiB less what the
 * uploads have written so far, as a real disk would show it).
 */
class DiskReserveTest {
    private static final long MIB = 1 << 20;
    private final Path dir;
    private final PackageStore store;

    DiskReserveTest() throws IOException {
        dir = Files.createTempDirectory("steward-disk-reserve");
        store = new PackageStore(dir, PackagePolicy.DEFAULTS, () -> 100 * MIB - written());
    }

    private long written() {
        try (var files = Files.list(dir.resolve("packages").resolve("incoming"))) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void clean() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    /** A body that sends {@code first} bytes, then waits until {@code go} opens, then ends. */
    private static InputStream stalled(long first, CountDownLatch sent, CountDownLatch go) {
        return new InputStream() {
            long left = first;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left > 0) {
                    int n = (int) Math.min(len, left);
                    left -= n;
                    return n;
                }
                sent.countDown();
                try {
                    go.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return -1;
            }
        };
    }

    @Test
    void two_uploads_that_each_fit_alone_are_not_both_let_in_when_together_they_would_fill_the_disk() throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<Throwable> first = CompletableFuture.supplyAsync(() -> {
            try {
                store.receive(DIGEST, stalled(MIB, sent, go), 30 * MIB);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        assertThat(sent.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(store.promised()).as("the first upload's 30 MiB less the 1 MiB it wrote").isEqualTo(29 * MIB);
        // free 99 MiB, 29 MiB promised, 64 MiB kept: 30 MiB more do not fit (each alone would: 99 - 30 >= 64)
        assertThatThrownBy(() -> store.receive(DIGEST, new ByteArrayInputStream(new byte[0]), 30 * MIB))
                .isInstanceOfSatisfying(PackageStore.Refused.class, r -> assertThat(r.status()).isEqualTo(507))
                .hasMessageContaining("29.0 MiB of it promised to uploads under way").hasMessageContaining("keeps 64.0 MiB for its own state");
        go.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).as("the first ends short of what it declared").hasMessageContaining("ended after");
        assertThat(store.promised()).as("every promise given back").isZero();
        assertThatThrownBy(() -> store.receive(DIGEST, new ByteArrayInputStream(new byte[0]), 30 * MIB))
                .as("now it fits the disk, and fails only for its own body").hasMessageContaining("ended after 0 of");
    }

    @Test
    void an_upload_sent_without_a_length_stops_before_the_disk_s_floor_and_leaves_nothing() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len; // zeros, for ever (the package limit is 4 GiB, far above this disk)
            }
        };
        assertThatThrownBy(() -> store.receive(DIGEST, endless, -1))
                .isInstanceOfSatisfying(PackageStore.Refused.class, r -> assertThat(r.status()).isEqualTo(507))
                .hasMessageContaining("too little for 8.0 MiB more");
        assertThat(written()).as("the partial file is gone").isZero();
        assertThat(store.promised()).isZero();
    }
}
