package dev.steward.cli;

import dev.steward.api.AgentRegistration;
import dev.steward.api.ValidationException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code --ports} of {@code steward dev} and {@code steward demo}: the host ports the embedded
 * agent lends to tasks, when the block it would take (1,000 from 20000 that no other local dev
 * holds) clashes with something else on the machine, or when several run side by side under
 * different users (each user's devs see only their own).
 */
final class DevPorts {
    @Option(names = "--ports", paramLabel = "RANGES", description = "Host ports the local agent lends to tasks, e.g. 30000-30999 or 8100-8199,9100. "
            + "Default: a block of 1000 from 20000 that no other local dev or demo of yours holds")
    String ports;

    /** The ranges given, checked (a usage error naming --ports), or null for a free block. */
    String checked(CommandSpec spec) {
        if (ports == null) {
            return null;
        }
        try {
            if (AgentRegistration.PortRange.parseList("--ports", ports).isEmpty()) {
                throw new ValidationException("--ports", "names no port");
            }
        } catch (ValidationException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return ports.trim();
    }
}
