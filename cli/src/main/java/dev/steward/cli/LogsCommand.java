package dev.steward.cli;

import dev.steward.api.TaskInfo;
import dev.steward.client.StewardClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code steward logs ALLOCATION [-f] [--stderr] [--task NAME]}: a task's output, read through its agent. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print (and with -f follow) the output of a task in an allocation.")
final class LogsCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Parameters(index = "0", paramLabel = "ALLOCATION")
    String allocation;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new output")
    boolean follow;

    @Option(names = "--stderr", description = "stderr instead of stdout")
    boolean stderr;

    @Option(names = "--task", description = "Task name, when the allocation runs several")
    String task;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StewardClient c = conn.client();
        List<TaskInfo> tasks = c.tasksOf(allocation);
        TaskInfo t = tasks.stream().filter(x -> task == null || x.spec().name().equals(task)).reduce((a, b) -> b).orElse(null);
        if (t == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), tasks.isEmpty() ? "allocation " + allocation + " runs no task"
                    : "no task named '" + task + "'; the allocation runs " + tasks.stream().map(x -> x.spec().name()).toList());
        }
        PrintStream out = System.out;
        long offset = 0;
        do {
            StewardClient.LogChunk chunk = c.logs(t.id(), stderr ? "stderr" : "stdout", offset, follow ? Duration.ofSeconds(30) : Duration.ZERO);
            out.write(chunk.bytes());
            out.flush();
            offset = chunk.next();
        } while (follow);
        return 0;
    }
}
