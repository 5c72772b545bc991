package dev.steward.cli;

import dev.steward.allocator.http.RequestLog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where a server's request log goes: a file rotated at 10 MiB with 5 kept (the default,
 * access.log in the data directory: {@code FileHandler} numbers them, so the newest is
 * access.log.0 and the oldest access.log.4), standard error ({@code -}), or nowhere ({@code off}). The
 * lines are {@link RequestLog}'s, one per request, and only they go there: the request log is
 * not mixed into the server's own messages.
 */
final class AccessLog {
    static final int LIMIT_BYTES = 10 * 1024 * 1024;
    static final int FILES = 5;
    /** Held: a logger's handlers and level live as long as the logger object. */
    private static Logger held;

    private AccessLog() {
    }

    /**
     * Sends the request log to {@code where}: "off", "-" (standard error) or a file path; with
     * {@code agents}, agents' routine requests (heartbeats, reports, health checks that went well) too.
     */
    static void open(String where, Path defaultFile, boolean agents) throws IOException {
        Logger log = Logger.getLogger(RequestLog.LOGGER);
        held = log;
        log.setUseParentHandlers(false);
        if ("off".equals(where)) {
            log.setLevel(Level.OFF);
            return;
        }
        Handler h = "-".equals(where) ? new ConsoleHandler() : new FileHandler((where == null ? defaultFile : Path.of(where)).toAbsolutePath().toString()
                .replace("%", "%%"), LIMIT_BYTES, FILES, true);
        h.setLevel(Level.ALL);
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                return r.getMessage() + System.lineSeparator();
            }
        });
        log.addHandler(h);
        log.setLevel(agents ? Level.FINER : Level.FINE);
    }
}
