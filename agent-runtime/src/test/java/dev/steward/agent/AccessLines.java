package dev.steward.agent;

import dev.steward.allocator.http.RequestLog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The latest lines of an in-process allocator's request log ({@link RequestLog}), agents'
 * routine requests included (the log's {@code FINER} level, as {@code --access-log-agents}), kept
 * in memory for a failing test to print: which of an agent's requests the allocator answered,
 * when, and how long each took. Open from {@link #open} to {@link #close}; the logger's level is
 * put back on close.
 */
final class AccessLines extends Handler {
    private static final Pattern DURATION = Pattern.compile(" duration_ms=([0-9.]+)");
    private final Logger logger = Logger.getLogger(RequestLog.LOGGER); // held: a logger only weakly referenced may be collected with its level
    private final ConcurrentLinkedDeque<String> lines = new ConcurrentLinkedDeque<>();
    private final int keep;
    private Level before;
    private boolean open;

    /** Keeps at most {@code keep} lines, the latest. */
    AccessLines(int keep) {
        this.keep = keep;
        setLevel(Level.ALL);
    }

    void open() {
        before = logger.getLevel();
        logger.setLevel(Level.FINER);
        logger.addHandler(this);
        open = true;
    }

    @Override
    public void publish(LogRecord r) {
        lines.addLast(r.getMessage());
        while (lines.size() > keep) {
            lines.pollFirst();
        }
    }

    /** The latest {@code n} lines that contain {@code part}, oldest first. */
    List<String> last(String part, int n) {
        List<String> out = new ArrayList<>();
        for (var it = lines.descendingIterator(); it.hasNext() && out.size() < n; ) {
            String l = it.next();
            if (l.contains(part)) {
                out.add(l);
            }
        }
        Collections.reverse(out);
        return out;
    }

    /** The latest {@code n} lines of requests that took {@code ms} or more, oldest first. */
    List<String> slow(double ms, int n) {
        List<String> out = new ArrayList<>();
        for (var it = lines.descendingIterator(); it.hasNext() && out.size() < n; ) {
            String l = it.next();
            Matcher m = DURATION.matcher(l);
            if (m.find() && Double.parseDouble(m.group(1)) >= ms) {
                out.add(l);
            }
        }
        Collections.reverse(out);
        return out;
    }

    @Override
    public void flush() {
        // kept in memory: nothing to flush
    }

    @Override
    public void close() {
        if (open) {
            logger.removeHandler(this);
            logger.setLevel(before);
            open = false;
        }
    }
}
