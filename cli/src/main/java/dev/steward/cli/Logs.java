package dev.steward.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * How the steward command's processes log: one line per message (the JDK's default takes two,
 * the first a date and a method name), as {@code 2026-12-04T15:29:28.123Z WARN agent.Agent:
 * message}, time in UTC, a stack trace only under a message that has one; and which sources a
 * command quiets (Jetty's start and stop lines in {@code steward dev} and {@code demo}).
 */
final class Logs {
    /** Held: a logger's level lives only as long as the logger object, and the JDK keeps loggers weakly. */
    private static final List<Logger> QUIETED = new ArrayList<>();

    private Logs() {
    }

    /** Every handler on the root logger (standard error by default) writes one line per message. */
    static void oneLine() {
        for (Handler h : Logger.getLogger("").getHandlers()) {
            h.setFormatter(new OneLine());
        }
    }

    /** Messages from {@code names} and below them print only from {@code level} up. */
    static synchronized void quiet(Level level, String... names) {
        for (String name : names) {
            Logger l = Logger.getLogger(name);
            l.setLevel(level);
            QUIETED.add(l);
        }
    }

    /** One line per record: time, level, source, message; a thrown exception's trace after it. */
    static final class OneLine extends Formatter {
        /** Always three digits of milliseconds ({@link Instant#toString} drops them when they are 000). */
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(160)
                    .append(TIME.format(Instant.ofEpochMilli(r.getMillis())))
                    .append(' ').append(level(r.getLevel()))
                    .append(' ').append(source(r.getLoggerName()))
                    .append(": ").append(dev.steward.api.ControlChars.escapeLine(formatMessage(r).replace('\n', ' ')))
                    .append(System.lineSeparator());
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                b.append(trace);
            }
            return b.toString();
        }

        /** The names people read in other tools' logs: ERROR and WARN, not SEVERE and WARNING. */
        static String level(Level l) {
            int v = l.intValue();
            if (v >= Level.SEVERE.intValue()) {
                return "ERROR";
            }
            if (v >= Level.WARNING.intValue()) {
                return "WARN ";
            }
            if (v >= Level.INFO.intValue()) {
                return "INFO ";
            }
            return "DEBUG";
        }

        /** Steward's own sources without the common prefix ({@code agent.Agent}); others whole. */
        static String source(String logger) {
            if (logger == null || logger.isEmpty()) {
                return "-";
            }
            return logger.startsWith("dev.steward.") ? logger.substring("dev.steward.".length()) : logger;
        }
    }
}
