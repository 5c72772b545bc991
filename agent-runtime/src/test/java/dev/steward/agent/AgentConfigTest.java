package dev.steward.agent;

import dev.steward.api.ValidationException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keys read from the agent's configuration: each bad value is refused with the key's name and what it must be. */
class AgentConfigTest {
    @Test
    void a_blank_join_token_is_no_join_token_so_the_agent_says_it_has_none() throws Exception {
        assertThat(AgentConfig.load(null, Map.of("join-token", " ")).joinToken()).isNull();
        assertThat(AgentConfig.load(null, Map.of("join-token", "sta_join_x")).joinToken()).isEqualTo("sta_join_x");
    }

    @Test
    void the_join_token_comes_from_a_file_that_keeps_it_off_the_command_line(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path f = java.nio.file.Files.writeString(dir.resolve("join.token"), "sta_join_abc\n");
        assertThat(AgentConfig.load(null, Map.of("join-token-file", f.toString())).joinToken()).isEqualTo("sta_join_abc");
        assertThatThrownBy(() -> AgentConfig.load(null, Map.of("join-token-file", f.toString(), "join-token", "x")))
                .hasMessageContaining("join-token-file").hasMessageContaining("not both");
        assertThatThrownBy(() -> AgentConfig.load(null, Map.of("join-token-file", dir.resolve("none").toString())))
                .hasMessageContaining("join-token-file").hasMessageContaining("cannot read " + dir.resolve("none") + ": there is no such file");
        java.nio.file.Path empty = java.nio.file.Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> AgentConfig.load(null, Map.of("join-token-file", empty.toString()))).hasMessageContaining("is empty");
    }

    @Test
    void a_join_token_on_the_command_line_is_warned_of_naming_the_ways_that_keep_it_hidden() throws Exception {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int code;
        try {
            code = AgentMain.run(new String[] {"--join-token", "sta_join_secret", "--no-such-key", "x"}); // refused before anything starts
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--join-token puts the cluster's join token on the command line, where every user of this machine can read it")
                .contains("--join-token-file FILE").doesNotContain("sta_join_secret");
    }

    @Test
    void task_umask_is_octal_from_0000_to_0777_and_0077_by_default() throws Exception {
        assertThat(AgentConfig.load(null, Map.of()).taskUmask()).isEqualTo(0077);
        assertThat(AgentConfig.load(null, Map.of("task-umask", "027")).taskUmask()).isEqualTo(0027);
        assertThat(AgentConfig.load(null, Map.of("task-umask", " 0022 ")).taskUmask()).isEqualTo(0022);
        for (String bad : new String[] {"0888", "1000", "77777", "u=rwx", "", "-1"}) {
            assertThatThrownBy(() -> AgentConfig.load(null, Map.of("task-umask", bad))).as("'%s'", bad).isInstanceOf(ValidationException.class)
                    .hasMessageContaining("task-umask").hasMessageContaining("octal umask from 0000 to 0777");
        }
    }

    @Test
    void whole_numbers_and_switches_say_which_key_and_what_it_takes() throws Exception {
        assertThatThrownBy(() -> AgentConfig.load(null, Map.of("oom-score-adj", "low"))).hasMessageContaining("oom-score-adj")
                .hasMessageContaining("'low' is not a whole number from -1000 to 1000");
        assertThatThrownBy(() -> AgentConfig.load(null, Map.of("oom-score-adj", "99999999999"))).hasMessageContaining("outside -1000 to 1000");
        assertThatThrownBy(() -> AgentConfig.load(null, Map.of("task-pids-max", "many"))).hasMessageContaining("task-pids-max")
                .hasMessageContaining("'many' is not a whole number of processes");
        assertThatThrownBy(() -> AgentConfig.load(null, Map.of("allow-root-tasks", "maybe"))).hasMessageContaining("allow-root-tasks")
                .hasMessageContaining("'maybe' is not on or off");
        assertThat(AgentConfig.load(null, Map.of("allow-root-tasks", "ON")).allowRootTasks()).isTrue();
    }
}
