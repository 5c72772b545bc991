package dev.steward.steps;

import dev.steward.api.ExecRequest;
import dev.steward.api.ExecResult;
import dev.steward.api.InstanceInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The execService step: a command run once inside a live instance of a service, as {@code
 * steward exec APP --env ENV [--instance N] -- CMD...} runs it (the task's user, limits, files,
 * environment; recorded in the allocation's history), with {@code sh}'s conventions for the
 * result: the output goes into the build's log, a command that fails or runs past its timeout
 * fails the step, {@code returnStdout} gives its standard output instead of logging it, and
 * {@code returnStatus} gives its exit code (124 when its timeout ended it, as {@code timeout(1)}
 * and {@code steward exec}) without failing.
 */
public final class TaskCommand {
    /** The exit code given for a command its timeout ended (timeout(1)'s and steward exec's). */
    public static final int TIMED_OUT = 124;

    /** What the step gives back: its value, or why it fails. */
    public record Outcome(boolean failed, String message, Object value) {
    }

    private final StewardClient client;
    private final String where;
    private final InstanceInfo instance;
    private final ExecRequest request;
    private final Duration timeout;

    private TaskCommand(StewardClient client, String where, InstanceInfo instance, ExecRequest request, Duration timeout) {
        this.client = client;
        this.where = where;
        this.instance = instance;
        this.request = request;
        this.timeout = timeout;
    }

    /**
     * Checks the command and the timeout (1s to 5m, default 30s) as the API does, naming the
     * field and the limit; returns the timeout to use. For the step's start, before any call.
     */
    public static Duration check(List<String> command, String timeout) {
        return new ExecRequest(command, timeout).check();
    }

    /**
     * Finds the live instance {@code instance} names (the number {@code steward services} shows,
     * or an instance id; none: the only live one) and says in the log what runs where. An
     * instance that cannot be named so is an {@link IllegalArgumentException} that says what to
     * give; a service that is not there, the allocator's 404.
     */
    public static TaskCommand prepare(StewardClient client, String app, String env, String instance, List<String> command, String timeout,
                                      StepListener listener) throws IOException {
        Duration limit = check(command, timeout); // a null word is named here, before the copy
        ExecRequest req = new ExecRequest(List.copyOf(command), timeout);
        InstanceInfo i = Instances.pick(client.deployments().instances(app, env), instance, "instance", app, env, false);
        if (i.taskId() == null) {
            throw new IllegalArgumentException("instance " + i.id() + " of " + app + "/" + env + " has no task yet (" + Instances.howEnded(i) + ")");
        }
        String where = app + "/" + env + " instance " + i.id();
        listener.line("steward: running " + req.shown() + " in " + where + " (task " + i.taskId() + ", timeout " + Units.format(limit) + ")");
        listener.status("running a command in " + where);
        return new TaskCommand(client, where, i, req, limit);
    }

    /** The instance the command runs in. */
    public InstanceInfo instance() {
        return instance;
    }

    /** Sends the command; the answer comes when it has ended, and no thread waits for it. Never sent twice. */
    public CompletableFuture<ExecResult> runAsync() {
        return client.tasks().execAsync(instance.taskId(), request.command(), timeout);
    }

    /**
     * Puts the output into the log (standard output unless {@code returnStdout}, standard error
     * always, each line as written; a note when either was cut or the timeout ended it) and
     * says what the step gives back: the standard output ({@code returnStdout}), the exit code
     * ({@code returnStatus}, never a failure), or a map of the whole result. A non-zero exit or
     * a timeout fails the step unless {@code returnStatus}.
     */
    public Outcome outcome(ExecResult r, boolean returnStdout, boolean returnStatus, StepListener listener) {
        if (!returnStdout) {
            lines(r.stdout(), listener);
        }
        lines(r.stderr(), listener);
        if (r.truncation() != null) {
            listener.line("steward: " + r.truncation());
        }
        int code = r.timedOut() ? TIMED_OUT : r.exitCode();
        String ended = r.timedOut() ? "ran past its timeout of " + Units.format(timeout) + " and was killed (timeout: gives it longer, up to 5m)"
                : "exited with " + r.exitCode();
        listener.line("steward: " + request.shown() + " " + ended + " after " + Units.format(Duration.ofMillis(r.elapsedMillis())));
        if (returnStatus) {
            return new Outcome(false, null, code);
        }
        if (code != 0) {
            return new Outcome(true, request.shown() + " in " + where + " " + ended, null);
        }
        if (returnStdout) {
            return new Outcome(false, null, r.stdout());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exitCode", code);
        m.put("stdout", r.stdout());
        m.put("stderr", r.stderr());
        m.put("timedOut", r.timedOut());
        m.put("stdoutTruncated", r.stdoutTruncated());
        m.put("stderrTruncated", r.stderrTruncated());
        m.put("elapsedMillis", r.elapsedMillis());
        m.put("instance", instance.id());
        m.put("task", instance.taskId());
        return new Outcome(false, null, m);
    }

    /** Each line of {@code text} as it is; a last line without its newline too. */
    private static void lines(String text, StepListener listener) {
        if (text == null || text.isEmpty()) {
            return;
        }
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? text.length() : nl;
            listener.line(text.substring(from, end > from && text.charAt(end - 1) == '\r' ? end - 1 : end));
            from = end + 1;
        }
    }
}
