package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.api.SecretInfo;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code steward secrets}: a service's secrets ({@code set}, {@code list}, {@code delete}), which
 * its instances get as files when a deploy names them ({@code steward deploy --secrets NAME}),
 * as Kubernetes secrets or Nomad variables; and {@code rotate-key}, which makes a new key of the
 * allocator's keyring active, seals every stored secret again with it, and drops the old keys
 * (admin token), as {@code nomad operator root keyring rotate} does. A value is never taken from
 * the command line (where every user of the machine could read it): it comes from standard
 * input, a file or an environment variable.
 */
@Command(name = "secrets", mixinStandardHelpOptions = true, description = "Set, list and delete a service's secrets (its instances get them as files); "
        + "rotate the key that seals them at rest.",
        subcommands = {SecretsCommand.Set.class, SecretsCommand.ListSecrets.class, SecretsCommand.Delete.class, SecretsCommand.RotateKey.class})
final class SecretsCommand {

    /** The service a secret belongs to, and for the admin, whose. */
    static final class Target {
        @Parameters(index = "0", description = "The app", converter = Name.class)
        String app;
        @Option(names = "--env", required = true, description = "The environment", converter = Name.class)
        String env;
        @Option(names = "--role", description = "Whose secrets (admin token only; default: the service's role, or the default role for a service not made yet)")
        String role;
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set a secret of APP in --env from standard input (one trailing newline dropped), --from-file or --from-env; never from the "
                    + "command line. Running instances keep the value they have; the service's next deploy rolls the new one out.")
    static final class Set implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;
        @Parameters(index = "1", description = "The secret's name: letters, digits, '.', '_' and '-'; the file's name in $STEWARD_SECRETS")
        String name;
        @Option(names = "--from-file", description = "Read the value from this file, exactly as it is")
        Path fromFile;
        @Option(names = "--from-env", description = "Read the value from this environment variable (in a Pipeline: one withCredentials binds)")
        String fromEnv;
        @Mixin
        Connection conn;
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int eq = name.indexOf('=');
            if (eq >= 0) { // "DBPASS=s3cr3t": say so before any value is read, and never repeat what follows the '='
                String n = name.substring(0, eq);
                throw new CommandLine.ParameterException(spec.commandLine(), "name: '" + n + "=...' holds a value; a secret's value is never taken from "
                        + "the command line (it would stay in the shell's history and show in ps): give the name alone ('" + n + "') and the value on "
                        + "standard input, with --from-file or with --from-env");
            }
            String value = value();
            SecretInfo s = conn.client().deployments().setSecret(target.app, target.env, name, value, target.role);
            if (conn.json()) {
                Output.json(s);
            } else {
                System.out.printf("set secret %s of %s (role %s): version %d%s%n", s.name(), s.service(), s.role(), s.version(),
                        s.usedBy().isEmpty() ? "" : "; running instances keep their value until the next deploy of " + s.service() + " rolls this one out");
            }
            return 0;
        }

        private String value() throws IOException {
            if (fromFile != null && fromEnv != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --from-file or --from-env, not both");
            }
            if (fromFile != null) {
                if (Files.size(fromFile) > dev.steward.api.Validation.MAX_SECRET_BYTES) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--from-file " + fromFile + " is " + Files.size(fromFile)
                            + " bytes, above the limit of " + dev.steward.api.Validation.MAX_SECRET_BYTES);
                }
                return Files.readString(fromFile, StandardCharsets.UTF_8);
            }
            if (fromEnv != null) {
                String v = System.getenv(fromEnv);
                if (v == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--from-env " + fromEnv + ": no such environment variable is set");
                }
                return v;
            }
            java.io.Console console = System.console();
            if (console != null) {
                char[] typed = console.readPassword("value of %s (not shown): ", name);
                if (typed == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "no value was typed");
                }
                return new String(typed);
            }
            byte[] in = System.in.readNBytes(dev.steward.api.Validation.MAX_SECRET_BYTES + 2);
            String v = new String(in, StandardCharsets.UTF_8);
            return v.endsWith("\r\n") ? v.substring(0, v.length() - 2) : v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the secrets of APP in --env: names, versions, who set them and when, the revisions that use them; never a value.")
    static final class ListSecrets implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            List<SecretInfo> all;
            try {
                all = conn.client().deployments().secrets(target.app, target.env, target.role);
            } catch (StewardException e) {
                if (e.status() != 404) {
                    throw e;
                }
                all = List.of(); // neither the service nor a secret of it: none to list
                System.err.printf("(no secret is set for %s/%s, and there is no such service of this role)%n", target.app, target.env);
            }
            if (conn.json()) {
                Output.json(all);
                return 0;
            }
            Table t = Table.of("NAME", "ROLE", "VERSION", "UPDATED", "BY", "USED BY REVISIONS");
            for (SecretInfo s : all) {
                t.row(s.name(), s.role(), s.version(), s.updatedAt().toString().substring(0, 19), s.updatedBy(),
                        s.usedBy().isEmpty() ? "-" : s.usedBy().toString().replaceAll("[\\[\\]]", ""));
            }
            t.print(System.out);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete secrets of APP in --env; refused while a revision that may run uses one (deploy without it first).")
    static final class Delete implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;
        @Parameters(index = "1..*", arity = "1..*", description = "The secrets' names")
        List<String> names;
        @Option(names = "--missing-ok", description = "A secret that is not set is nothing to do, for cleanups that may run twice")
        boolean missingOk;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            StewardClient c = conn.client();
            return Deletions.each("steward secrets delete", names, missingOk, conn.json(), n -> {
                SecretInfo s = c.deployments().deleteSecret(target.app, target.env, n, target.role);
                return new Deletions.Done(Map.of("name", n, "deleted", true), "deleted secret " + n + " of " + s.service() + " (role " + s.role() + ")");
            }, n -> new Deletions.Done(Map.of("name", n, "deleted", false, "missing", true),
                    "nothing to delete: secret " + n + " is not set for " + target.app + "/" + target.env));
        }
    }

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = "Make a new key active, seal every stored task and service secret again with it, and drop the old keys (admin token). "
                    + "With allocators on ZooKeeper the key is handed to every running server first (docs/ha.md).")
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
            int tasks = r.path("tasksResealed").asInt();
            int services = r.path("serviceSecretsResealed").asInt();
            System.out.printf("secrets are sealed with key %s now; %d task%s and %d service secret%s sealed again; retired: %s%n", r.path("activeKey").asText(),
                    tasks, tasks == 1 ? "" : "s", services, services == 1 ? "" : "s", r.path("retiredKeys").asText());
            if (!r.path("retiredKeys").asText().isEmpty()) {
                System.out.println("a snapshot saved before now holds secrets sealed with the retired key: restoring it needs a copy of secrets.key "
                        + "from before this rotation");
            }
            return 0;
        }
    }
}
