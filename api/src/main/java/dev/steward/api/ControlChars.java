package dev.steward.api;

/**
 * Characters a terminal acts on instead of showing: the C0 controls (ESC starts every escape
 * sequence: colours, cursor moves, a window title, OSC 52's clipboard), DEL, the C1 controls
 * (U+0080 to U+009F: U+009B is a one-character CSI) and the bidirectional overrides and isolates
 * (U+202A to U+202E, U+2066 to U+2069), which make text read other than it is. Text a tenant
 * wrote (a task's output quoted in a reason, a field of a request) reaches other people's
 * terminals through the API, as kubectl's did (CVE-2021-25743); the {@code steward} command
 * writes each such character as a visible escape, and labels refuse them. Pure.
 */
public final class ControlChars {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ControlChars() {
    }

    /** Whether a terminal may act on {@code cp} rather than show it; tab and newline are not counted (text keeps its layout). */
    public static boolean acts(int cp) {
        return cp < 0x20 && cp != '\t' && cp != '\n' || cp >= 0x7f && cp <= 0x9f || cp >= 0x202a && cp <= 0x202e || cp >= 0x2066 && cp <= 0x2069;
    }

    /**
     * {@code s} with each character a terminal acts on written as {@code \\uXXXX} ({@code \\r} for a
     * carriage return), tab and newline kept; {@code s} itself when it holds none. The escapes
     * are also JSON's, so JSON text stays valid JSON with the same meaning.
     */
    public static String escape(String s) {
        return escape(s, false);
    }

    /** As {@link #escape}, with tab and newline escaped too: for what must stay one line (a reason, a log message). */
    public static String escapeLine(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean line) {
        if (s == null) {
            return null;
        }
        int i = 0;
        while (i < s.length() && !escaped(s.charAt(i), line)) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!escaped(c, line)) {
                b.append(c);
            } else {
                appendEscape(b, c);
            }
        }
        return b.toString();
    }

    private static boolean escaped(char c, boolean line) {
        return acts(c) || line && (c == '\t' || c == '\n');
    }

    /** Appends the visible form of {@code c}: {@code \r}, {@code \n}, {@code \t}, else {@code \\uXXXX}. */
    public static void appendEscape(StringBuilder b, int c) {
        switch (c) {
            case '\r' -> b.append("\\r");
            case '\n' -> b.append("\\n");
            case '\t' -> b.append("\\t");
            default -> b.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
        }
    }

    /** The first character of {@code s} that is a control (tab and newline included) or a bidi override, as U+XXXX at its index; null when none. */
    public static String firstIn(String s) {
        if (s == null) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (acts(c) || c == '\t' || c == '\n') {
                return String.format("U+%04X at index %d", (int) c, i);
            }
        }
        return null;
    }

    /**
     * Checks a label a person reads (who deployed, a build's URL, a description): at most
     * {@code max} characters, on one line, with no character a terminal acts on; a clear error
     * naming the field otherwise.
     */
    public static String label(String field, String value, int max) {
        if (value == null) {
            return null;
        }
        if (value.length() > max) {
            throw new ValidationException(field, "is " + value.length() + " characters long, above the limit of " + max);
        }
        String bad = firstIn(value);
        if (bad != null) {
            throw new ValidationException(field, "holds a control character (" + bad + "); it must be one line of plain text");
        }
        return value;
    }
}
