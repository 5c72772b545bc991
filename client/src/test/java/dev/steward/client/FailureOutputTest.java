package dev.steward.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which instance a deployment's failure names, and how its last lines are shown. */
class FailureOutputTest {
    @Test
    void the_failed_instance_is_found_in_the_reason_and_its_lines_shown_indented() {
        assertThat(FailureOutput.failedInstance("instance 788ec7cd62207894 of revision 2 failed: exited with code 3 (stdout: starting); "
                + "no restarts left (2 in 30m)")).isEqualTo("788ec7cd62207894");
        assertThat(FailureOutput.failedInstance("aborted by admin")).isNull();
        assertThat(FailureOutput.failedInstance("no progress for 10m: 1 agent: 1 insufficient cpus")).isNull();
        assertThat(FailureOutput.failedInstance(null)).isNull();
        assertThat(FailureOutput.shown("stderr", "Traceback:\n  KeyError: 'DB'\n", "all of it: ...")).containsExactly("its last stderr:",
                "  | Traceback:", "  |   KeyError: 'DB'", "all of it: ...");
        assertThat(FailureOutput.shown("stdout", "no newline at the end", "more")).containsExactly("its last stdout:", "  | no newline at the end", "more");
    }
}
