package dev.steward.agent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What a logger says while a test listens: each record as {@code LEVEL message}, until closed. */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            lines.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(Logger logger) {
        this.logger = logger;
        logger.addHandler(handler);
    }

    /** Listens to the logger named after {@code owner}. */
    static LogCapture of(Class<?> owner) {
        return new LogCapture(Logger.getLogger(owner.getName()));
    }

    /** What it has said so far, each as {@code LEVEL message} ({@code WARNING the TLS certificate ...}). */
    List<String> lines() {
        return lines;
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
