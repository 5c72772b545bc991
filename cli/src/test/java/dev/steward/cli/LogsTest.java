package dev.steward.cli;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

class LogsTest {
    private static String format(Level level, String logger, String message, Object param, Throwable thrown, String at) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger);
        r.setParameters(param == null ? null : new Object[] {param});
        r.setThrown(thrown);
        r.setInstant(Instant.parse(at));
        return new Logs.OneLine().format(r);
    }

    @Test
    void aMessageIsOneLineWithItsTimeInUtcItsLevelAndItsSource() {
        assertThat(format(Level.INFO, "dev.steward.agent.Agent", "joined as agent {0}", "ab12", null, "2026-12-04T15:29:28Z"))
                .isEqualTo("2026-12-04T15:29:28.000Z INFO  agent.Agent: joined as agent ab12" + System.lineSeparator());
        assertThat(format(Level.WARNING, "org.eclipse.jetty.server.Server", "slow", null, null, "2026-12-04T15:29:28.5Z"))
                .isEqualTo("2026-12-04T15:29:28.500Z WARN  org.eclipse.jetty.server.Server: slow" + System.lineSeparator());
        assertThat(format(Level.SEVERE, "", "x", null, null, "2026-12-04T15:29:28Z")).contains(" ERROR -: x");
        assertThat(format(Level.FINE, "dev.steward.x", "y", null, null, "2026-12-04T15:29:28Z")).contains(" DEBUG x: y");
    }

    @Test
    void aMessageWithNewLinesStaysOneLineAndATraceFollowsIt() {
        String out = format(Level.SEVERE, "dev.steward.allocator.Server", "two\nlines", null, new IllegalStateException("boom"), "2026-12-04T15:29:28Z");
        String[] lines = out.split(System.lineSeparator());
        assertThat(lines[0]).isEqualTo("2026-12-04T15:29:28.000Z ERROR allocator.Server: two lines");
        assertThat(lines[1]).isEqualTo("java.lang.IllegalStateException: boom");
        assertThat(lines[2]).startsWith("\tat dev.steward.cli.LogsTest");
    }
}
