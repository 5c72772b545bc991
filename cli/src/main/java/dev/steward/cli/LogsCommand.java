package dev.steward.cli;

import dev.steward.api.InstanceInfo;
import dev.steward.api.TaskInfo;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import dev.steward.steps.Instances;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward logs TARGET [-f] [--stderr]}: a task's output, read through its agent. TARGET
 * is an allocation id, an instance id, or an app with {@code --env} (and {@code --instance N},
 * the number {@code steward services APP --env ENV} shows). A follow of a task not started yet
 * waits for it ({@link AwaitStart}), goes on through its agent's silence while the task runs and
 * through the allocator's once it has read ({@link FollowSilence}), and ends once the task has
 * ended and its last bytes are printed. With {@code --all}, every instance of the service, its
 * lines prefixed ({@link ServiceLogs}).
 */
@Command(name = "logs", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print (and with -f follow until the task ends) the output of a task.",
                "TARGET: an allocation id, an instance id, or an app with --env ENV [--instance N | --all]."})
final class LogsCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Parameters(index = "0", paramLabel = "TARGET", description = "An allocation id, an instance id, or an app (with --env)")
    String target;

    @Option(names = "--env", description = "The environment, when TARGET is an app", converter = Name.class)
    String env;

    @Option(names = "--instance", paramLabel = "N", description = "With an app: the instance number that 'steward services APP --env ENV' shows, "
            + "or an instance id (an ended one's too: 'steward services APP --env ENV --ended' lists them). Default: the only live one")
    String instance;

    @Option(names = "--all", description = "With an app: every live instance's output, each line prefixed [rREVISION INSTANCE]; with -f, "
            + "instances a rollout starts later too, until none is left")
    boolean all;

    @Option(names = "--max-follows", paramLabel = "N", description = "With --all -f: the most instances followed at once. Default: ${DEFAULT-VALUE}")
    int maxFollows = 16;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the task ends; a task not started yet is waited for")
    boolean follow;

    @Option(names = "--stderr", description = "stderr instead of stdout")
    boolean stderr;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines (found in the last 1 MiB; with -f, then what comes), "
            + "as kubectl logs --tail")
    Integer tail;

    @Option(names = "--task", description = "Task name, when the allocation runs several")
    String task;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StewardClient c = conn.client();
        if (tail != null && (tail < 1 || tail > 100_000)) {
            throw usage("--tail: " + tail + " is not 1..100000");
        }
        if (all) {
            return all(c);
        }
        String taskId = new TaskTarget(spec).taskId(c, target, env, instance, task);
        PrintStream out = TerminalSafe.raw(); // the task's own bytes, as they are (kubectl logs too)
        long offset = 0;
        boolean first = true;
        AwaitStart start = new AwaitStart(c, taskId);
        FollowSilence silence = new FollowSilence(c, taskId);
        java.util.function.Consumer<String> say = line -> System.err.println("(task " + taskId + ": " + line + ")");
        while (true) {
            StewardClient.LogChunk chunk;
            try {
                chunk = first && tail != null ? c.tail(taskId, stderr ? "stderr" : "stdout", tail)
                        : c.logs(taskId, stderr ? "stderr" : "stdout", offset, follow ? Duration.ofSeconds(30) : Duration.ZERO);
            } catch (IOException e) {
                // a follow of a task not started yet waits for it to start; a plain read says it has no output yet
                if (follow && e instanceof StewardException se
                        && start.afterRefusal(se, t -> System.err.println(AwaitStart.waitingLine("task " + taskId, t)))) {
                    continue;
                }
                // a follow goes on through its agent's silence while the task runs, and through the allocator's
                if (follow && silence.afterFailure(e, say)) {
                    continue;
                }
                if (silence.ended() != null) {
                    System.err.println("(task " + taskId + " has ended: " + FollowSilence.how(silence.ended()) + "; the rest of its output cannot be read: "
                            + e.getMessage() + ")");
                    return 1;
                }
                throw e;
            }
            silence.answered(say);
            first = false;
            out.write(chunk.bytes());
            out.flush();
            offset = chunk.next();
            if (!follow) {
                return 0;
            }
            if (chunk.ended() && chunk.bytes().length == 0) {
                TaskInfo t = c.task(taskId);
                if (!t.state().terminal()) { // its agent ended the log before its report of the end reached the allocator: wait for it, a while
                    TaskInfo reported = c.watch(dev.steward.client.Paths.v1("tasks", taskId), TaskInfo.class, ENDED_REPORT_WAIT, x -> x.state().terminal(),
                            x -> { });
                    t = reported != null ? reported : t;
                }
                System.err.println("(task " + taskId + " has ended: " + t.state().name().toLowerCase() + (t.reason() == null ? "" : ", " + t.reason())
                        + ")");
                return 0;
            }
        }
    }

    /** How long a follow whose log has ended waits for the allocator to hear how the task ended, to say it (then it says the state it has). */
    static final Duration ENDED_REPORT_WAIT = Duration.ofSeconds(10);

    private int all(StewardClient c) throws Exception {
        if (env == null) {
            throw usage("--all goes with an app and --env");
        }
        if (instance != null || task != null) {
            throw usage("--all reads every instance: leave out " + (instance != null ? "--instance" : "--task"));
        }
        if (maxFollows < 1 || maxFollows > 256) {
            throw usage("--max-follows: " + maxFollows + " is not 1..256");
        }
        ServiceLogs logs = new ServiceLogs(c, target, env, stderr ? "stderr" : "stdout", maxFollows, tail, TerminalSafe.raw(), System.err);
        if (follow) {
            return logs.follow();
        }
        List<InstanceInfo> all = c.deployments().instances(target, env);
        List<InstanceInfo> live = Instances.live(all);
        if (live.isEmpty()) {
            throw usage(Instances.noneLive(all, target, env, true));
        }
        return logs.print(live);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
