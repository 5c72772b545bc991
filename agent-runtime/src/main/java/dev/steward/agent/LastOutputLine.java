package dev.steward.agent;

/** A task's last line of output, quoted in the reason it ended with ({@link Supervisor}). */
final class LastOutputLine {
    private LastOutputLine() {
    }

    /**
     * The last line the task in {@code dir} wrote, to quote in why it ended, as " (stderr: ...)":
     * its stderr's, else its stdout's (a program that reports on stdout alone); "" when it wrote
     * none. Escaped ({@link dev.steward.api.ControlChars}): the reason reaches other people's
     * terminals, and a task's bytes must not act on them.
     */
    static String quote(java.nio.file.Path dir) {
        for (String stream : new String[] {"stderr", "stdout"}) {
            String l = lastLine(dir.resolve(stream + ".log"));
            if (l != null) {
                return " (" + stream + ": " + dev.steward.api.ControlChars.escapeLine(l.length() > 200 ? l.substring(0, 200) + "..." : l) + ")";
            }
        }
        return "";
    }

    /** The last line of {@code file} that is not blank, from its last 2 KiB; null when none. */
    private static String lastLine(java.nio.file.Path file) {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, 2048);
            byte[] b = new byte[n];
            f.seek(len - n);
            f.readFully(b);
            String[] lines = new String(b, java.nio.charset.StandardCharsets.UTF_8).split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                String l = lines[i].strip();
                if (!l.isEmpty()) {
                    return l;
                }
            }
        } catch (java.io.IOException e) {
            // nothing to quote
        }
        return null;
    }
}
