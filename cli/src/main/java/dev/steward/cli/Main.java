package dev.steward.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code steward}: the entry point. Exit codes: 0 ok, 1 failure, 2 bad usage. */
@Command(name = "steward", mixinStandardHelpOptions = true, version = "steward 0.1.0",
        description = "Provision cluster resources and roll builds out from CI pipelines.",
        subcommands = {ServerCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand, e.g. 'steward server --help'");
    }
}
