package dev.steward.allocator.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The request log's lines as a test sees them: its logger turned down to {@code level} while open, and put back as it was on close. */
final class AccessLogLines implements AutoCloseable {
    /** Every line written while open, in order. */
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger log = Logger.getLogger(RequestLog.LOGGER);
    private final Level before;
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            lines.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    AccessLogLines(Level level) {
        before = log.getLevel();
        log.setLevel(level);
        capture.setLevel(Level.ALL);
        log.addHandler(capture);
    }

    /** Turns the logger to {@code level} (it is put back as it was on close all the same). */
    void level(Level level) {
        log.setLevel(level);
    }

    @Override
    public void close() {
        log.removeHandler(capture);
        log.setLevel(before);
    }
}
