package dev.steward.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PrefixedLinesTest {
    @Test
    void lines_cut_across_chunks_come_out_whole_and_prefixed_and_the_rest_at_the_end() {
        PrefixedLines p = new PrefixedLines("[r1 a] ");
        assertThat(p.feed("one\ntw".getBytes(StandardCharsets.UTF_8))).containsExactly("[r1 a] one\n");
        assertThat(p.feed("o\n\nthr".getBytes(StandardCharsets.UTF_8))).containsExactly("[r1 a] two\n", "[r1 a] \n");
        assertThat(p.rest()).isEqualTo("[r1 a] thr\n");
        assertThat(p.rest()).isNull();
    }

    @Test
    void a_character_cut_between_chunks_is_whole_in_its_line() {
        byte[] text = "café ☕\n".getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= text.length; cut++) {
            PrefixedLines p = new PrefixedLines("> ");
            List<String> out = new ArrayList<>(p.feed(java.util.Arrays.copyOfRange(text, 0, cut)));
            out.addAll(p.feed(java.util.Arrays.copyOfRange(text, cut, text.length)));
            assertThat(out).as("cut at byte %d", cut).containsExactly("> café ☕\n");
        }
    }

    @Test
    void output_without_newlines_is_cut_at_the_longest_line() {
        PrefixedLines p = new PrefixedLines("");
        byte[] a = new byte[PrefixedLines.MAX_LINE * 2 + 10];
        java.util.Arrays.fill(a, (byte) 'x');
        List<String> out = p.feed(a);
        assertThat(out).hasSize(2).allSatisfy(l -> assertThat(l).hasSize(PrefixedLines.MAX_LINE + 1));
        assertThat(p.rest()).hasSize(11);
    }

    @Test
    void a_long_line_is_cut_between_characters() {
        PrefixedLines p = new PrefixedLines("");
        String head = "x".repeat(PrefixedLines.MAX_LINE - 1);
        List<String> out = p.feed((head + "éé☕tail").getBytes(StandardCharsets.UTF_8));
        assertThat(out).containsExactly(head + "é\n");
        assertThat(p.rest()).isEqualTo("é☕tail\n");
    }

    @Test
    void any_chunking_gives_the_same_lines() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        for (int round = 0; round < 200; round++) {
            StringBuilder text = new StringBuilder();
            for (int i = r.nextInt(40); i > 0; i--) {
                text.append("line ").append(r.nextInt(1000)).append(r.nextInt(4) == 0 ? "é" : "").append(r.nextInt(5) == 0 ? "" : "\n");
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            PrefixedLines whole = new PrefixedLines("p ");
            List<String> expected = new ArrayList<>(whole.feed(bytes));
            String end = whole.rest();
            PrefixedLines cut = new PrefixedLines("p ");
            List<String> got = new ArrayList<>();
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, 1 + r.nextInt(7));
                got.addAll(cut.feed(java.util.Arrays.copyOfRange(bytes, at, at + n)));
                at += n;
            }
            assertThat(got).as("seed %d, round %d", seed, round).isEqualTo(expected);
            assertThat(cut.rest()).as("seed %d, round %d", seed, round).isEqualTo(end);
        }
    }
}
