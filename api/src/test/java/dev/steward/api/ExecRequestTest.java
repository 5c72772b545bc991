package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExecRequestTest {

    @Test
    void the_command_is_shown_as_a_shell_would_read_it_back_on_one_line() {
        assertThat(new ExecRequest(List.of("cat", "config.yaml"), null).shown()).isEqualTo("cat config.yaml");
        assertThat(new ExecRequest(List.of("sh", "-c", "echo 'hi' > /tmp/x"), null).shown()).isEqualTo("sh -c 'echo '\\''hi'\\'' > /tmp/x'");
        assertThat(new ExecRequest(List.of("printf", "a\nb\u001b[2J", ""), null).shown()).as("control characters escaped, an empty word kept")
                .isEqualTo("printf 'a\\nb\\u001b[2J' ''");
    }

    @Test
    void each_bound_names_its_field_and_limit() {
        assertThatThrownBy(() -> new ExecRequest(null, null).check()).isInstanceOf(ValidationException.class).hasMessageContaining("command");
        assertThatThrownBy(() -> new ExecRequest(Collections.nCopies(65, "x"), null).check()).hasMessageContaining("65 words, above the limit of 64");
        assertThatThrownBy(() -> new ExecRequest(List.of("echo", "x".repeat(2048)), null).check()).hasMessageContaining("above the limit of 2048");
        List<String> withNull = new ArrayList<>(List.of("echo"));
        withNull.add(null);
        assertThatThrownBy(() -> new ExecRequest(withNull, null).check()).hasMessageContaining("command[1]");
        assertThatThrownBy(() -> new ExecRequest(List.of(" "), null).check()).hasMessageContaining("command[0]");
        assertThatThrownBy(() -> new ExecRequest(List.of("true"), "500ms").check()).hasMessageContaining("timeout").hasMessageContaining("outside 1s..5m");
        assertThat(new ExecRequest(List.of("true"), "5m").check()).isEqualTo(Duration.ofMinutes(5));
        assertThat(new ExecRequest(List.of("true"), null).check()).isEqualTo(ExecRequest.DEFAULT_TIMEOUT);
    }

    @Test
    void a_result_says_what_was_cut() {
        assertThat(new ExecResult(0, "", "", false, false, false, 1).truncation()).isNull();
        assertThat(new ExecResult(0, "", "", true, false, false, 1).truncation()).isEqualTo("its output was cut at 256 KiB");
        assertThat(new ExecResult(0, "", "", false, true, false, 1).truncation()).isEqualTo("its errors were cut at 256 KiB");
        assertThat(new ExecResult(0, "", "", true, true, false, 1).truncation()).isEqualTo("its output and its errors were cut at 256 KiB");
    }
}
