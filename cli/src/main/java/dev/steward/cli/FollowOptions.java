package dev.steward.cli;

import dev.steward.api.Units;
import dev.steward.api.ValidationException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/** How {@code steward deploy} and {@code steward promote} follow the deployment they start: for how long, or not at all. */
final class FollowOptions {
    @Option(names = "--timeout", description = "How long to follow the rollout. Default: 30m", defaultValue = "30m")
    String timeout;
    @Option(names = "--detach", description = "Start the deployment, print its id and exit without following it")
    boolean detach;

    /** How long to follow; a bad {@code --timeout} is a usage error. */
    Duration follow(CommandLine.Model.CommandSpec spec) {
        try {
            return Units.duration("--timeout", timeout);
        } catch (ValidationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
