package dev.steward.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class ServerCommandTest {

    private static int run(StringWriter err, String... args) {
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @Test
    void a_bad_bind_address_exits_2_and_says_what_to_write() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "localhost")).isEqualTo(2);
        assertThat(err.toString()).contains("--bind takes HOST:PORT such as 127.0.0.1:4646, not 'localhost'");
    }

    @Test
    void a_bad_heartbeat_grace_exits_2_naming_the_flag() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--heartbeat-grace", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--heartbeat-grace: 'soon' is not a duration");
    }

    @Test
    void no_subcommand_exits_2_and_points_to_help() {
        StringWriter err = new StringWriter();
        assertThat(run(err)).isEqualTo(2);
        assertThat(err.toString()).contains("name a subcommand");
    }
}
