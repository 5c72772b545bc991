package dev.steward.cli;

import dev.steward.api.ControlChars;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** The filter on the command's output, on its own: any text, cut into any pieces, comes out as {@link ControlChars#escape} writes it. */
class TerminalSafeTest {
    private static final int[] POOL = {'a', 'Z', ' ', '\\', '\t', '\n', '\r', 0x1b, 0x07, 0x00, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0xa0, 0xc2, 0xe2, 0xe9,
            0x2000, 0x2026, 0x2029, 0x202a, 0x202e, 0x202f, 0x2040, 0x2066, 0x2069, 0x206a, 0x20ac, 0x1F600};

    @Test
    void any_text_in_any_pieces_comes_out_escaped_and_otherwise_unchanged() throws Exception {
        for (int round = 0; round < 2000; round++) {
            long seed = 104729L * round + 3;
            Random r = new Random(seed);
            StringBuilder text = new StringBuilder();
            for (int i = r.nextInt(60); i > 0; i--) {
                text.appendCodePoint(POOL[r.nextInt(POOL.length)]);
            }
            byte[] in = text.toString().getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TerminalSafe f = new TerminalSafe(out, StandardCharsets.UTF_8);
            for (int at = 0; at < in.length; ) { // pieces of 1 to 5 bytes: a sequence cut anywhere
                int len = Math.min(in.length - at, 1 + r.nextInt(5));
                if (len == 1 && r.nextBoolean()) {
                    f.write(in[at]);
                } else {
                    f.write(in, at, len);
                }
                if (r.nextInt(4) == 0) {
                    f.flush();
                }
                at += len;
            }
            f.flush();
            String got = out.toString(StandardCharsets.UTF_8);
            assertThat(got).as("seed %d", seed).isEqualTo(ControlChars.escape(text.toString()));
            assertThat(got.codePoints().noneMatch(ControlChars::acts)).as("seed %d", seed).isTrue();
        }
    }

    @Test
    void a_print_stream_over_it_escapes_prints_printf_and_bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream p = TerminalSafe.wrap(new PrintStream(out, true, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        p.println("title \u001b]0;x\u0007");
        p.printf("%s|%c%n", "csi \u009b2J", '\u202e');
        p.print(new char[] {'d', 0x7f});
        p.flush();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("title \\u001b]0;x\\u0007\ncsi \\u009b2J|\\u202e\nd\\u007f");
    }

    @Test
    void in_a_single_byte_charset_the_c1_bytes_are_escaped() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream p = TerminalSafe.wrap(new PrintStream(out, true, StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1);
        p.print("caf\u00e9 \u009b2J \u001b[0m");
        p.flush();
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("caf\u00e9 \\u009b2J \\u001b[0m");
    }

    @Test
    void the_live_views_lines_are_escaped_though_its_own_cursor_moves_are_not() {
        String drawn = LiveView.redraw(2, List.of("instance 1 failed: \u001b[2Jgone\nforged", "ok"), 120);
        assertThat(drawn).isEqualTo("\u001b[2A\r\u001b[Jinstance 1 failed: \\u001b[2Jgone\\nforged\nok\n");
    }

    @Test
    void a_log_line_holds_nothing_a_terminal_acts_on_and_stays_one_line() {
        LogRecord r = new LogRecord(Level.WARNING, "task t1 FAILED: exited with code 1 (stderr: {0})");
        r.setParameters(new Object[] {"\u001b]0;x\u0007\rforged\nline"});
        r.setLoggerName("dev.steward.agent.TaskEvents");
        String line = new Logs.OneLine().format(r);
        assertThat(line).endsWith("(stderr: \\u001b]0;x\\u0007\\rforged line)" + System.lineSeparator());
        assertThat(line.strip().codePoints().noneMatch(c -> ControlChars.acts(c) || c == '\n')).isTrue();
    }
}
