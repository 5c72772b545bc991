package dev.steward.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The body of {@code POST /v1/tasks/{id}/exec}: a command to run once inside a running task, as
 * {@code kubectl exec} and {@code nomad alloc exec} do without a terminal. It runs as the task
 * runs (its user, cgroups, {@code /tmp}, {@code /proc} and IPC, its environment, its sandbox as
 * the working directory), with no standard input, until it exits or {@code timeout} ends it
 * (default {@link #DEFAULT_TIMEOUT}, at most {@link #MAX_TIMEOUT}). {@code command} is the
 * program and its arguments, not a shell line: {@code ["sh", "-c", "..."]} for one.
 */
public record ExecRequest(List<String> command, String timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
    /** At most this many words in {@code command}. */
    public static final int MAX_ARGS = 64;
    /**
     * At most this many bytes (UTF-8) in all of {@code command}: it travels to the agent in a
     * signed request line, whose size the agent bounds.
     */
    public static final int MAX_COMMAND_BYTES = 2048;
    /** A word a shell reads back as it is, unquoted. */
    private static final java.util.regex.Pattern PLAIN_WORD = java.util.regex.Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    /** Checks the command and the timeout, naming the field and the limit; returns the timeout to use. */
    public Duration check() {
        if (command == null || command.isEmpty()) {
            throw new ValidationException("command", "is required: the program to run and its arguments, e.g. [\"cat\", \"config.yaml\"]");
        }
        if (command.size() > MAX_ARGS) {
            throw new ValidationException("command", "has " + command.size() + " words, above the limit of " + MAX_ARGS);
        }
        int bytes = 0;
        for (int i = 0; i < command.size(); i++) {
            String w = command.get(i);
            if (w == null) {
                throw new ValidationException("command[" + i + "]", "is null");
            }
            if (w.indexOf('\0') >= 0) {
                throw new ValidationException("command[" + i + "]", "holds a NUL character, which no program argument can");
            }
            bytes += w.getBytes(StandardCharsets.UTF_8).length;
        }
        if (command.get(0).isBlank()) {
            throw new ValidationException("command[0]", "is empty: it names the program to run");
        }
        if (bytes > MAX_COMMAND_BYTES) {
            throw new ValidationException("command", "is " + bytes + " bytes, above the limit of " + MAX_COMMAND_BYTES
                    + " (for a longer script, put it in the package and run that)");
        }
        return timeoutDuration();
    }

    /**
     * The command as a shell would read it back, on one line, every control character escaped:
     * for the allocation's history, the allocator's log and a build's log.
     */
    public String shown() {
        StringBuilder b = new StringBuilder();
        for (String w : command) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(PLAIN_WORD.matcher(w).matches() ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return ControlChars.escapeLine(b.toString());
    }

    /** The timeout asked for, or the default; outside 1s..5m it is refused. */
    public Duration timeoutDuration() {
        if (timeout == null) {
            return DEFAULT_TIMEOUT;
        }
        Duration d = Units.duration("timeout", timeout);
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new ValidationException("timeout", Units.format(d) + " is outside 1s.." + Units.format(MAX_TIMEOUT));
        }
        return d;
    }
}
