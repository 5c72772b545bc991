package dev.steward.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One task's output cut into whole lines, each given a prefix, so that several tasks' outputs can
 * be interleaved line by line without one line torn by another ({@code steward logs --all}). A
 * chunk may end inside a line, or inside a UTF-8 character: what follows the last newline is kept
 * until the rest comes, or until {@link #rest} at the task's end. A line longer than
 * {@link #MAX_LINE} bytes is cut there (after the character under way), so that a task printing
 * without newlines cannot grow it without bound.
 */
final class PrefixedLines {
    static final int MAX_LINE = 64 * 1024;
    private final String prefix;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    PrefixedLines(String prefix) {
        this.prefix = prefix;
    }

    /** The whole lines {@code bytes} completes, each with the prefix and its newline. */
    List<String> feed(byte[] bytes) {
        List<String> out = new ArrayList<>();
        for (byte b : bytes) {
            if (b == '\n') {
                out.add(line());
                continue;
            }
            if (partial.size() >= MAX_LINE && (b & 0xC0) != 0x80) { // cut before a character begins, never inside one
                out.add(line());
            }
            partial.write(b);
        }
        return out;
    }

    /** What is left after the last newline, as a line of its own (the task has ended); null if nothing. */
    String rest() {
        return partial.size() == 0 ? null : line();
    }

    private String line() {
        String s = prefix + partial.toString(StandardCharsets.UTF_8) + "\n";
        partial.reset();
        return s;
    }
}
