package dev.steward.cli;

import dev.steward.agent.AgentMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward agent [--config FILE] [--KEY VALUE]...}: the node daemon. Its options are the
 * keys of its config file (docs/agent.md), so they are passed through as they are.
 */
@Command(name = "agent", description = "Run the agent on this machine (see 'steward agent --help' for its keys).",
        mixinStandardHelpOptions = false)
final class AgentCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", description = "--config FILE and --KEY VALUE pairs, e.g. --server http://10.0.0.1:4646 --join-token T")
    List<String> args = List.of();

    @Override
    public Integer call() throws Exception {
        return AgentMain.run(args.toArray(new String[0]));
    }
}
