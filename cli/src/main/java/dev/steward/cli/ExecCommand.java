package dev.steward.cli;

import dev.steward.api.ExecResult;
import dev.steward.client.StewardClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward exec TARGET -- CMD [ARG...]}: runs a command once inside a running task, as
 * {@code kubectl exec} does without a terminal (no standard input, no tty), and prints what it
 * wrote, standard output to standard output and standard error to standard error; exits with
 * the command's code (124 when its timeout ended it, as timeout(1) does). TARGET names a task as
 * {@code steward logs} does ({@link TaskTarget}). The command runs as the task runs (its user,
 * limits, {@code /tmp}, environment, its sandbox as the working directory), and the allocator
 * records who ran what in the allocation's history.
 */
@Command(name = "exec", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a command once inside a running task, as it runs (its user, limits, files, environment), and print its output. "
                + "Ctrl-C kills it. Exit codes: the command's; 124 its --timeout ended it; 1 error; 2 usage.",
                "TARGET: an allocation id, an instance id, or an app with --env ENV [--instance N]. No input, no terminal: "
                        + "for a shell line, 'sh -c \"...\"'."})
final class ExecCommand implements Callable<Integer> {
    /** The exit code when the command's timeout ended it (timeout(1)'s). */
    static final int TIMED_OUT = 124;

    @Mixin
    Connection conn;

    @Parameters(index = "0", paramLabel = "TARGET", description = "An allocation id, an instance id, or an app (with --env)")
    String target;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The program and its arguments (after --)")
    List<String> command;

    @Option(names = "--env", description = "The environment, when TARGET is an app", converter = Name.class)
    String env;

    @Option(names = "--instance", paramLabel = "N", description = "With an app: the instance number that 'steward services APP --env ENV' shows, "
            + "or an instance id. Default: the only live one")
    String instance;

    @Option(names = "--task", description = "Task name, when the allocation runs several")
    String task;

    @Option(names = "--timeout", description = "How long the command may run before it is killed (1s to 5m). Default: 30s")
    String timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TaskTarget targets = new TaskTarget(spec);
        if (command == null || command.isEmpty()) {
            throw targets.usage("give the command to run after --, e.g. steward exec " + target + " -- cat config.yaml");
        }
        Duration limit;
        try {
            limit = new dev.steward.api.ExecRequest(command, timeout).check(); // the command's bounds and the timeout's, before any call
        } catch (dev.steward.api.ValidationException e) {
            throw targets.usage(e.getMessage().startsWith("timeout: ") ? "--" + e.getMessage() : e.getMessage());
        }
        StewardClient c = conn.client();
        String taskId = targets.taskId(c, target, env, instance, task);
        ExecResult r = c.tasks().exec(taskId, command, limit);
        PrintStream out = TerminalSafe.raw(); // the command's own bytes, as they are (kubectl exec too)
        out.write(r.stdout().getBytes(StandardCharsets.UTF_8));
        out.flush();
        PrintStream err = TerminalSafe.rawErr();
        err.write(r.stderr().getBytes(StandardCharsets.UTF_8));
        err.flush();
        if (r.truncation() != null) {
            System.err.println("(steward exec: " + r.truncation() + ")");
        }
        if (r.timedOut()) {
            System.err.println("(steward exec: the command ran past its timeout of " + dev.steward.api.Units.format(limit)
                    + " and was killed; --timeout gives it longer, up to 5m)");
            return TIMED_OUT;
        }
        return r.exitCode();
    }
}
