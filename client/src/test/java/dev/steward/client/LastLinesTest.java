package dev.steward.client;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The lines a tail keeps from the bytes it read back. */
class LastLinesTest {
    private static String last(String text, int n, boolean cutFirst) {
        return new String(LastLines.lastLines(text.getBytes(StandardCharsets.UTF_8), n, cutFirst), StandardCharsets.UTF_8);
    }

    @Test
    void the_last_lines_whole_with_or_without_a_final_newline() {
        assertThat(last("a\nb\nc\n", 2, false)).isEqualTo("b\nc\n");
        assertThat(last("a\nb\nc", 2, false)).isEqualTo("b\nc");
        assertThat(last("a\nb\nc\n", 1, false)).isEqualTo("c\n");
        assertThat(last("a\nb\nc\n", 9, false)).isEqualTo("a\nb\nc\n");
        assertThat(last("", 3, false)).isEmpty();
        assertThat(last("\n\n", 1, false)).isEqualTo("\n");
    }

    @Test
    void a_window_that_begins_inside_a_line_leaves_that_piece_out() {
        assertThat(last("ne cut\nb\nc\n", 9, true)).isEqualTo("b\nc\n");
        assertThat(last("ne cut\nb\nc\n", 2, true)).isEqualTo("b\nc\n");
        assertThat(last("one long line cut", 3, true)).isEmpty();
    }

    @Test
    void random_logs_give_the_same_lines_as_splitting_them() {
        for (int round = 0; round < 1000; round++) {
            long seed = 31L * round + 7;
            Random r = new Random(seed);
            StringBuilder log = new StringBuilder();
            int lines = r.nextInt(8);
            for (int k = 0; k < lines; k++) {
                log.append("l").append(k).append("x".repeat(r.nextInt(3))).append('\n');
            }
            if (r.nextBoolean()) {
                log.append("partial");
            }
            int n = 1 + r.nextInt(6);
            String[] all = log.toString().split("(?<=\n)");
            StringBuilder expected = new StringBuilder();
            if (!log.isEmpty()) {
                for (int k = Math.max(0, all.length - n); k < all.length; k++) {
                    expected.append(all[k]);
                }
            }
            assertThat(last(log.toString(), n, false)).as("seed %d", seed).isEqualTo(expected.toString());
        }
    }
}
