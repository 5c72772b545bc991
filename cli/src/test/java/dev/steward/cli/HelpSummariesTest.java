package dev.steward.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The line {@code steward --help} (and each group's help) shows for a command is the first line of
 * its description, cut there: it must be a whole sentence, not a sentence broken off mid-way.
 */
class HelpSummariesTest {
    @Test
    void everyCommandsSummaryIsAWholeSentence() {
        List<String> broken = new ArrayList<>();
        visit(Main.commandLine(), broken);
        assertThat(broken).as("commands whose summary in the list of commands is cut mid-sentence").isEmpty();
    }

    private static void visit(CommandLine cmd, List<String> broken) {
        for (CommandLine sub : cmd.getSubcommands().values()) {
            String[] d = sub.getCommandSpec().usageMessage().description();
            String summary = d.length == 0 ? "" : d[0].strip();
            if (!summary.endsWith(".") && !summary.endsWith(".)")) {
                broken.add(sub.getCommandSpec().qualifiedName() + ": \"" + summary + "\"");
            }
            visit(sub, broken);
        }
    }
}
