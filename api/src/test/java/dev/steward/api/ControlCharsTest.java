package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlCharsTest {

    @Test
    void plain_text_is_given_back_as_it_is() {
        String s = "exited with code 1 (stderr: Traceback: ValueError: ça ne va pas, 東京 ✓)\tand\na next line";
        assertThat(ControlChars.escape(s)).isSameAs(s);
    }

    @Test
    void what_a_terminal_acts_on_is_written_as_an_escape() {
        String title = "\u001b]0;pwned\u0007\u001b[2J\u001b[31mFAKE\r\n";
        assertThat(ControlChars.escape(title)).isEqualTo("\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[31mFAKE\\r\n");
        assertThat(ControlChars.escape("a\u007fb\u009b2Jc")).isEqualTo("a\\u007fb\\u009b2Jc"); // DEL, and the one-character CSI
        assertThat(ControlChars.escape("file\u202Etxt.exe\u2066x\u2069")).isEqualTo("file\\u202etxt.exe\\u2066x\\u2069"); // bidi override, isolate
        assertThat(ControlChars.escape("\u0000")).isEqualTo("\\u0000");
    }

    @Test
    void one_line_escapes_tab_and_newline_too() {
        assertThat(ControlChars.escapeLine("a\tb\nc\u001b")).isEqualTo("a\\tb\\nc\\u001b");
        assertThat(ControlChars.escape("a\tb\nc")).isEqualTo("a\tb\nc");
    }

    @Test
    void random_text_comes_out_with_nothing_a_terminal_acts_on_and_everything_else_in_order() {
        int[] pool = {'a', 'Z', ' ', '\\', 'u', '\t', '\n', '\r', 0x1b, 0x07, 0x00, 0x7f, 0x80, 0x9b, 0x9f, 0xa0, 0xe9, 0x2026, 0x202a, 0x202e, 0x2066,
                0x2069, 0x206a, 0x1F600};
        for (int round = 0; round < 500; round++) {
            long seed = 7919L * round + 17;
            Random r = new Random(seed);
            StringBuilder in = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            int n = r.nextInt(40);
            for (int i = 0; i < n; i++) {
                int cp = pool[r.nextInt(pool.length)];
                in.appendCodePoint(cp);
                if (ControlChars.acts(cp)) {
                    ControlChars.appendEscape(expected, cp);
                } else {
                    expected.appendCodePoint(cp);
                }
            }
            String out = ControlChars.escape(in.toString());
            assertThat(out).as("seed %d", seed).isEqualTo(expected.toString());
            assertThat(out.codePoints().noneMatch(ControlChars::acts)).as("seed %d", seed).isTrue();
            assertThat(ControlChars.escapeLine(in.toString()).codePoints().noneMatch(c -> ControlChars.acts(c) || c == '\n' || c == '\t'))
                    .as("seed %d", seed).isTrue();
        }
    }

    @Test
    void a_label_is_one_line_of_plain_text_within_its_limit() {
        assertThat(ControlChars.label("actor", "jenkins: release #42", 256)).isEqualTo("jenkins: release #42");
        assertThat(ControlChars.label("actor", null, 256)).isNull();
        assertThatThrownBy(() -> ControlChars.label("actor", "bob\u001b[2J", 256)).isInstanceOf(ValidationException.class)
                .hasMessage("actor: holds a control character (U+001B at index 3); it must be one line of plain text");
        assertThatThrownBy(() -> ControlChars.label("buildUrl", "http://ci/\nfake", 2048)).hasMessageContaining("U+000A at index 10");
        assertThatThrownBy(() -> ControlChars.label("buildUrl", "http://ci/\u202e", 2048)).hasMessageContaining("U+202E");
        assertThatThrownBy(() -> ControlChars.label("actor", "x".repeat(257), 256))
                .hasMessage("actor: is 257 characters long, above the limit of 256");
    }

    @Test
    void a_deploy_request_checks_who_and_which_build() {
        DeployRequest ok = new DeployRequest(null, null, null, 1, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, "ci (build 7)", "https://ci.example/job/app/7/");
        ok.checkLabels();
        DeployRequest bad = new DeployRequest(null, null, null, 1, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, "ci", "https://ci/\u001b]0;t\u0007");
        assertThatThrownBy(bad::checkLabels).isInstanceOf(ValidationException.class).hasMessageStartingWith("buildUrl: holds a control character");
    }
}
