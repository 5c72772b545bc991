package dev.steward.steps;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MaskingTest {
    private final Recorder raw = new Recorder();
    private final List<String> seen = raw.lines;

    @Test
    void theTokenNeverReachesTheLogOrTheStatus() {
        String token = "str_ci_" + "7f".repeat(20);
        StepListener l = Masking.of(raw, token);
        l.line("steward: 401 for token " + token + " (twice: " + token + ")");
        l.status("pending; token=" + token);
        l.line("nothing secret here");
        assertThat(seen).containsExactly("steward: 401 for token **** (twice: ****)", "[status] pending; token=****", "nothing secret here");
        assertThat(String.join("\n", seen)).doesNotContain(token);
    }

    @Test
    void aSecretContainingAnotherIsMaskedWholeAndShortOrMissingValuesAreIgnored() {
        StepListener l = Masking.of(raw, "abcd", "xxabcdyy", null, "ab");
        l.line("xxabcdyy abcd ab");
        assertThat(seen).containsExactly("**** **** ab");
        assertThat(Masking.of(raw, null, "")).isSameAs(raw);
    }
}
