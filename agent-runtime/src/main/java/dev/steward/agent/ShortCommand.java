package dev.steward.agent;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A short command the agent runs to find out or set up one thing (a probe of {@code unshare}, a
 * {@code keyctl clear}): given 10 s, its output read only to say why it failed.
 */
final class ShortCommand {
    static final int SECONDS = 10;

    private ShortCommand() {
    }

    /** Null when {@code argv} exits 0 within {@link #SECONDS}; else why not, naming it as {@code what}. */
    static String failure(List<String> argv, String what) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            if (!p.waitFor(SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return what + " did not end within " + SECONDS + " s";
            }
            String said = new String(p.getInputStream().readAllBytes()).trim();
            return p.exitValue() == 0 ? null : what + " failed (" + (said.isEmpty() ? "exit " + p.exitValue() : said) + ")";
        } catch (IOException e) {
            return what + " cannot run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return what + " was interrupted";
        }
    }
}
