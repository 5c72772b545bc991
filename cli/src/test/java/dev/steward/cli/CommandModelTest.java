package dev.steward.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run builds picocli's model of the one subcommand it runs ({@link Main#commandLine(String)}),
 * and that model is the one the whole tree holds: the same usage, options, parameters and
 * subcommands, all the way down. Help, a typo and {@code completion} get the whole tree, and
 * {@code --version} none.
 */
class CommandModelTest {
    @Test
    void the_subcommand_a_run_names_is_built_alone_and_as_the_whole_tree_has_it() {
        CommandLine full = Main.commandLine();
        assertThat(full.getSubcommands()).hasSize(Main.SUBCOMMANDS.size());
        for (Map.Entry<String, CommandLine> e : full.getSubcommands().entrySet()) {
            String name = e.getKey();
            CommandLine alone = Main.commandLine(name);
            if (name.equals("completion")) {
                assertThat(alone.getSubcommands().keySet()).as("completion writes out every command").isEqualTo(full.getSubcommands().keySet());
                continue;
            }
            assertThat(alone.getSubcommands().keySet()).as(name).containsExactly(name);
            assertSame(alone.getSubcommands().get(name), e.getValue());
        }
        assertThat(Main.commandLine("--version").getSubcommands()).as("the version alone").isEmpty();
        assertThat(CliRun.of("-V").out()).isEqualTo("steward 0.1.0\n");
        for (String first : new String[] {null, "--help", "-h", "statsu", "no-such"}) {
            assertThat(Main.commandLine(first).getSubcommands().keySet()).as("%s", first).isEqualTo(full.getSubcommands().keySet());
        }
        assertThat(Main.commandLine("agent").getSubcommands().get("agent").isUnmatchedOptionsArePositionalParams()).isTrue();
    }

    @Test
    void a_run_of_one_subcommand_still_says_what_is_wrong_and_suggests_its_options() {
        CliRun typo = CliRun.of("statsu");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).startsWith("steward: Unmatched argument at index 0: 'statsu'\ndid you mean status or ").endsWith("?\nsee 'steward --help'\n");
        assertThat(CliRun.of("status", "extra").err()).as("nothing to suggest").doesNotContain("did you mean");
        CliRun option = CliRun.of("deploy", "webapp", "--env", "staging", "--package", "x");
        assertThat(option.code()).isEqualTo(2);
        assertThat(option.err()).contains("did you mean --package-digest?").contains("see 'steward deploy --help'");
        assertThat(CliRun.of("status", "--help").out()).startsWith("Usage: steward status");
    }

    /** The same command, option by option and subcommand by subcommand, as its usage shows it and as it parses. */
    private static void assertSame(CommandLine alone, CommandLine inTree) {
        String where = inTree.getCommandSpec().qualifiedName();
        assertThat(alone.getCommandSpec().qualifiedName()).isEqualTo(where);
        assertThat(alone.getUsageMessage(CommandLine.Help.Ansi.OFF)).as(where).isEqualTo(inTree.getUsageMessage(CommandLine.Help.Ansi.OFF));
        assertThat(names(alone.getCommandSpec().options())).as(where).isEqualTo(names(inTree.getCommandSpec().options()));
        assertThat(alone.getCommandSpec().positionalParameters().size()).as(where).isEqualTo(inTree.getCommandSpec().positionalParameters().size());
        assertThat(alone.isUnmatchedOptionsArePositionalParams()).as(where).isEqualTo(inTree.isUnmatchedOptionsArePositionalParams());
        assertThat(alone.getSubcommands().keySet()).as(where).isEqualTo(inTree.getSubcommands().keySet());
        for (String sub : inTree.getSubcommands().keySet()) {
            assertSame(alone.getSubcommands().get(sub), inTree.getSubcommands().get(sub));
        }
    }

    private static List<String> names(List<CommandLine.Model.OptionSpec> options) {
        return options.stream().map(o -> String.join("|", o.names()) + " " + o.arity() + " " + o.required()).toList();
    }
}
