package dev.steward.allocator;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What a lone allocator whose store failed decides: when to try again, and what it tells meanwhile. */
class OutageTest {
    private static final Path DIR = Path.of("/var/lib/steward/server");
    private static final long PLENTY = 10L << 30;

    @Test
    void a_full_disk_is_known_by_sqlites_words_or_by_the_space_left() {
        var sqlite = new IllegalStateException("wrapped", new IllegalStateException(
                "cannot write the state database: [SQLITE_FULL] Insertion failed because database is full (database or disk is full)"));
        assertThat(Outage.of(DIR, sqlite, PLENTY).diskFull()).isTrue();
        assertThat(Outage.of(DIR, new java.io.IOException("No space left on device"), PLENTY).diskFull()).isTrue();
        assertThat(Outage.of(DIR, new IllegalStateException("[SQLITE_IOERR] disk I/O error"), 3L << 20).diskFull())
                .as("too little space left, whatever the words").isTrue();
        Outage io = Outage.of(DIR, new IllegalStateException("[SQLITE_IOERR] disk I/O error"), PLENTY);
        assertThat(io.diskFull()).isFalse();
        assertThat(io.cause()).isEqualTo("[SQLITE_IOERR] disk I/O error");
    }

    @Test
    void a_full_disk_is_tried_again_once_it_has_room_and_any_other_failure_at_every_try() {
        Outage full = Outage.of(DIR, new IllegalStateException("[SQLITE_FULL] database or disk is full"), 0);
        assertThat(full.worthTrying(0)).isFalse();
        assertThat(full.worthTrying(Outage.RESUME_FREE - 1)).isFalse();
        assertThat(full.worthTrying(Outage.RESUME_FREE)).isTrue();
        Outage io = Outage.of(DIR, new IllegalStateException("[SQLITE_IOERR] disk I/O error"), PLENTY);
        assertThat(io.worthTrying(PLENTY)).isTrue();
    }

    @Test
    void the_pause_doubles_from_one_second_to_ten() {
        assertThat(java.util.stream.IntStream.of(0, 1, 2, 3, 4, 5, 60).mapToObj(Outage::pause))
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                        Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    @Test
    void the_reason_says_where_what_it_waits_for_and_that_it_comes_back_by_itself() {
        Outage full = Outage.of(DIR, new IllegalStateException("[SQLITE_FULL] database or disk is full"), 0);
        assertThat(full.reason(3L << 20)).isEqualTo("the allocator cannot write its state in /var/lib/steward/server: the disk is full "
                + "(3.0 MiB free; it resumes once 16.0 MiB are). It answers nothing meanwhile, tries again by itself every few seconds, and then "
                + "goes on from its last write: nothing it acknowledged is lost. Free space on that disk");
        assertThat(full.reason(512)).contains("(512 B free;");
        Outage io = Outage.of(DIR, new IllegalStateException("[SQLITE_IOERR] disk I/O error"), PLENTY);
        assertThat(io.reason(PLENTY)).startsWith("the allocator cannot write its state in /var/lib/steward/server: [SQLITE_IOERR] disk I/O error. "
                + "It answers nothing meanwhile").doesNotContain("Free space");
    }

    @Test
    void on_a_disk_too_small_to_ever_have_16_mib_free_it_waits_for_an_eighth_of_it() {
        assertThat(Outage.resumeFree(0)).as("size not known").isEqualTo(Outage.RESUME_FREE);
        assertThat(Outage.resumeFree(100L << 30)).isEqualTo(Outage.RESUME_FREE);
        assertThat(Outage.resumeFree(128L << 20)).isEqualTo(Outage.RESUME_FREE);
        assertThat(Outage.resumeFree(12L << 20)).isEqualTo(3L << 19); // 1.5 MiB of a 12 MiB disk
        assertThat(Outage.resumeFree(4L << 20)).isEqualTo(1L << 20);
        Outage small = Outage.of(DIR, new IllegalStateException("[SQLITE_FULL] database or disk is full"), 0, 12L << 20);
        assertThat(small.worthTrying(1L << 20)).isFalse();
        assertThat(small.worthTrying(2L << 20)).isTrue();
        assertThat(small.reason(0)).contains("(0 B free; it resumes once 1.5 MiB are)");
    }
}
