package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * {@code steward secrets rotate-key}: the allocator seals task secrets at rest with a key of its
 * keyring; this makes a new key active, seals every stored secret again with it, and drops the
 * old keys (admin token), as {@code nomad operator root keyring rotate} does for Nomad's.
 */
@Command(name = "secrets", mixinStandardHelpOptions = true, description = "Manage how task secrets are kept at rest.",
        subcommands = SecretsCommand.RotateKey.class)
final class SecretsCommand {

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = "Make a new key active, seal every stored task secret again with it, and drop the old keys (admin token).")
    static final class RotateKey implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            JsonNode r = conn.client().call("POST", "/v1/secrets/rotate-key", null, JsonNode.class, false);
            if (conn.json()) {
                Output.json(r);
                return 0;
            }
            System.out.printf("secrets are sealed with key %s now; %d task%s sealed again; retired: %s%n", r.path("activeKey").asText(),
                    r.path("tasksResealed").asInt(), r.path("tasksResealed").asInt() == 1 ? "" : "s", r.path("retiredKeys").asText());
            return 0;
        }
    }
}
