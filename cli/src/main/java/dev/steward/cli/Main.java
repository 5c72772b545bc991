package dev.steward.cli;

import dev.steward.agent.AgentMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code steward}: the entry point. Exit codes: 0 ok, 1 failure, 2 bad usage. */
@Command(name = "steward", mixinStandardHelpOptions = true, version = "steward 0.1.0",
        description = "Provision cluster resources and roll builds out from CI pipelines.")
public final class Main implements Runnable {
    /** The subcommands, in the order help lists them. */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(DevCommand.class, ServerCommand.class, AgentCommand.class,
            StatusCommand.class, AllocateCommand.class, LogsCommand.class, ExecCommand.class, PackageCommand.class, DeployCommand.class, RolloutCommand.class,
            RollbackCommand.class, RestartCommand.class, PromoteCommand.class, HistoryCommand.class, ServicesCommand.class, MonitorCommand.class,
            DemoCommand.class, AgentsCommand.class, RolesCommand.class, TokensCommand.class, RequestsCommand.class, AllocationsCommand.class,
            PackagesCommand.class, SecretsCommand.class, TlsCommand.class, SnapshotCommand.class, CompletionCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) throws Exception {
        Logs.oneLine(); // before anything logs: the agent, the allocator and Jetty alike
        if (args.length > 0 && args[0].equals("agent")) { // the agent parses its own keys: no command model to build and keep (the agent's memory)
            Logs.quiet(java.util.logging.Level.WARNING, "org.eclipse.jetty"); // its version and connector lines: the agent's own says where it serves logs
            System.exit(AgentMain.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        System.exit(run(TerminalSafe.stdoutCharset(), args));
    }

    /** A command's subcommands as they are typed: "'steward snapshot save' or 'restore'" (aliases once, by their names). */
    static String subcommands(CommandLine c) {
        java.util.List<String> names = new java.util.ArrayList<>(new java.util.LinkedHashSet<>(c.getSubcommands().values()).stream()
                .map(CommandLine::getCommandName).toList());
        names.set(0, c.getCommandSpec().qualifiedName() + " " + names.get(0));
        java.util.List<String> quoted = names.stream().map(n -> "'" + n + "'").toList();
        return quoted.size() == 1 ? quoted.get(0)
                : String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.get(quoted.size() - 1);
    }

    /** Runs {@code steward ARGS} with what it prints made safe for a terminal ({@link TerminalSafe}); its exit code. */
    static int run(java.nio.charset.Charset charset, String... args) {
        return TerminalSafe.around(charset, () -> commandLine(args.length == 0 ? null : args[0]).execute(args));
    }

    /** The command line with all its subcommands; {@code agent} passes its options through to the agent's own parser. */
    static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line for a run whose first argument is {@code first}: with only that subcommand
     * when it names one, with none for {@code --version}, else (help, a typo picocli suggests a
     * name for, {@code completion}, which writes out every command) with all. picocli reads every option of every command it is given
     * by reflection, and a short command spent about a third of its start doing so for the 25 it
     * does not run (docs/benchmarks.md).
     */
    static CommandLine commandLine(String first) {
        CommandLine cmd = new CommandLine(new Main());
        Class<?> only = null;
        for (Class<?> c : SUBCOMMANDS) {
            if (c.getAnnotation(Command.class).name().equals(first) && c != CompletionCommand.class) {
                only = c;
            }
        }
        boolean version = "-V".equals(first) || "--version".equals(first); // says the version, runs nothing
        for (Class<?> c : SUBCOMMANDS) {
            if (!version && (only == null || c == only)) {
                cmd.addSubcommand(c);
            }
        }
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + explain(e)); // "steward tls cert create: ...", not "steward create"
            return 1; // a failure, not a usage error: say what happened, not a stack trace
        });
        cmd.setParameterExceptionHandler((e, args) -> { // one line that says what is wrong and where help is, not 50 lines of usage
            CommandLine c = e.getCommandLine();
            boolean noSubcommand = String.valueOf(e.getMessage()).startsWith("Missing required subcommand") && !c.getSubcommands().isEmpty();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + (noSubcommand ? "name a subcommand: " + subcommands(c) : e.getMessage()));
            if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                // "--package-digest" for "--package", "status" for "statsu"
                c.getErr().println("did you mean " + String.join(" or ", u.getSuggestions()) + "?");
            }
            c.getErr().println("see '" + c.getCommandSpec().qualifiedName() + " --help'");
            return 2;
        });
        CommandLine agent = cmd.getSubcommands().get("agent");
        if (agent != null) {
            agent.setUnmatchedOptionsArePositionalParams(true);
        }
        return cmd;
    }

    /** The failure in words that say what to do. */
    static String explain(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && !(t instanceof java.net.ConnectException)) {
            t = t.getCause();
        }
        if (t instanceof java.net.ConnectException || e instanceof java.net.ConnectException) {
            String addr = Connection.lastAddress != null ? Connection.lastAddress : System.getenv().getOrDefault("STEWARD_ADDR", "http://127.0.0.1:4646");
            return "cannot reach the allocator at " + addr + " (" + e.getMessage() + "); start one with './steward dev', or point --addr or "
                    + "STEWARD_ADDR at yours";
        }
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        java.nio.file.Path cert = Connection.lastClientCert;
        String addr = Connection.lastAddress;
        if (cert != null && addr != null && addr.startsWith("https:")) {
            // over mutual TLS the allocator refuses a certificate by ending the handshake: the client sees only an alert or a closed socket
            // (a failure of the client's own checks of the allocator says what failed, and is left as it is)
            String whose = "a client certificate (" + cert + ") that is not from its CA, has ended, or was revoked ('steward tls cert revoked' "
                    + "lists revocations)";
            if (t instanceof javax.net.ssl.SSLException && String.valueOf(t.getMessage()).contains("Received fatal alert")) {
                return "the allocator at " + addr + " refused the TLS handshake (" + why + "): it refuses " + whose;
            }
            if (t instanceof java.net.SocketException) {
                return "the allocator at " + addr + " closed the connection (" + why + "): it does so when it refuses " + whose;
            }
        }
        return why;
    }

    /** Removes a directory tree, best effort. */
    static void deleteTree(java.nio.file.Path dir) {
        try (var all = java.nio.file.Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand, e.g. 'steward server --help'");
    }
}
