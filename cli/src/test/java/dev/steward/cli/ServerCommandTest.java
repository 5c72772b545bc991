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
    void the_static_join_token_is_on_or_off_and_off_takes_no_join_token_value() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--static-join-token", "no")).isEqualTo(2);
        assertThat(err.toString()).contains("--static-join-token is 'no'; it is on or off");
        StringWriter both = new StringWriter();
        assertThat(run(both, "server", "--bind", "127.0.0.1:0", "--static-join-token", "off", "--join-token", "x")).isEqualTo(2);
        assertThat(both.toString()).contains("--join-token gives the static join token, which --static-join-token off refuses");
    }

    @Test
    void a_bad_heartbeat_grace_exits_2_naming_the_flag() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--heartbeat-grace", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--heartbeat-grace: 'soon' is not a duration");
    }

    @Test
    void a_connection_limit_below_one_exits_2_naming_the_flag() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--max-connections", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-connections is 0; it must be at least 1");
    }

    @Test
    void a_trusted_proxy_that_is_a_name_or_a_bad_network_exits_2_naming_the_flag_and_the_entry() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8,lb.example.com")).isEqualTo(2);
        assertThat(err.toString()).contains("--trusted-proxies: trusted proxy 'lb.example.com' is not an IP address or network");
        err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/40")).isEqualTo(2);
        assertThat(err.toString()).contains("--trusted-proxies: trusted proxy '10.0.0.0/40' has prefix length '40': it must be 0 to 32");
    }

    @Test
    void a_services_bound_below_one_exits_2_naming_the_flag() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--max-services-per-role", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-services-per-role is 0; it must be at least 1");
    }

    @Test
    void monitor_task_and_secret_bounds_below_one_exit_2_naming_the_flag() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--max-monitors-per-role", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-monitors-per-role is 0; it must be at least 1");
        err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--max-tasks-per-allocation", "-3")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-tasks-per-allocation is -3; it must be at least 1");
        err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--max-secrets-per-role", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-secrets-per-role is 0; it must be at least 1");
    }

    @Test
    void a_package_bound_below_a_mebibyte_exits_2_naming_the_flag() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--max-package-bytes-per-role", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-package-bytes-per-role is 0; it must be at least 1m");
        err = new StringWriter();
        assertThat(run(err, "server", "--bind", "127.0.0.1:0", "--max-package-bytes-per-role", "lots")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-package-bytes-per-role");
    }

    @Test
    void a_token_on_the_command_line_is_warned_of_and_its_value_never_repeated() {
        java.io.ByteArrayOutputStream warned = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(warned, true));
        try { // refused for the bind after the warning: nothing starts
            assertThat(run(new StringWriter(), "server", "--bind", "localhost", "--admin-token", "sta_admin_secret", "--join-token", "sta_join_secret"))
                    .isEqualTo(2);
        } finally {
            System.setErr(old);
        }
        assertThat(warned.toString()).contains("--admin-token puts a token on the command line, where every user of this machine can read it")
                .contains("set STEWARD_ADMIN_TOKEN instead").contains("--join-token puts a token").contains("set STEWARD_JOIN_TOKEN instead")
                .doesNotContain("sta_admin_secret").doesNotContain("sta_join_secret");
    }

    @Test
    void too_few_open_files_for_the_connections_is_said_with_what_to_raise_it_to() {
        assertThat(ServerCommand.fileLimitWarning(1024, 16_384)).contains("may open 1024 files (ulimit -n)", "ulimit -n 17408", "--max-connections");
        assertThat(ServerCommand.fileLimitWarning(65_536, 16_384)).isNull();
        assertThat(ServerCommand.fileLimitWarning(17_408, 16_384)).isNull();
    }

    @Test
    void no_subcommand_exits_2_and_points_to_help() {
        StringWriter err = new StringWriter();
        assertThat(run(err)).isEqualTo(2);
        assertThat(err.toString()).contains("name a subcommand");
    }
}
