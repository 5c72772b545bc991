package dev.steward.cli;

import dev.steward.api.ControlChars;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * What the command prints reaches a terminal with nothing in it the terminal acts on: every
 * character {@link ControlChars#acts} (ESC, the other C0 controls but tab and newline, DEL, the
 * C1 controls, bidi overrides) is written as its visible escape ({@code \\u001b}, {@code \\r}).
 * Reasons, events, names and errors come from the allocator, and some of their text is a
 * tenant's (a task's last line, a variable, a command): without this, another tenant's bytes
 * could set an admin's window title, clear the screen, recolour or hide lines, or forge a line
 * (kubectl's CVE-2021-25743). The escapes are JSON's too, so {@code -o json} stays valid JSON
 * that means the same. Works on the encoded bytes, so every path out is covered: print, printf,
 * picocli's help and errors alike. Two outputs are raw on purpose, through {@link #raw()}: a
 * task's own output ({@code steward logs}, as {@code kubectl logs}: colours and all, it is what
 * was asked for) and the live view's own cursor moves (whose lines it escapes itself).
 */
final class TerminalSafe extends FilterOutputStream {
    private static volatile PrintStream raw;
    private static volatile PrintStream rawErr;

    private final boolean utf8;
    /** The first bytes of a UTF-8 sequence that may encode a C1 control (C2) or a bidi control (E2 80, E2 81), held for the next byte. */
    private final int[] held = new int[2];
    private int holding;
    private final byte[] buf = new byte[8192];
    private int n;

    /** Filters bytes encoded in {@code charset} on their way to {@code out}. */
    TerminalSafe(OutputStream out, Charset charset) {
        super(out);
        this.utf8 = charset.equals(StandardCharsets.UTF_8);
    }

    /** A print stream encoding in {@code charset} whose bytes go through the filter to {@code out}. */
    static PrintStream wrap(PrintStream out, Charset charset) {
        return new PrintStream(new TerminalSafe(out, charset), true, charset);
    }

    /** The charset the JVM gave standard output ({@code System.out}'s own, as the JDK 17 picks it). */
    static Charset stdoutCharset() {
        String name = System.getProperty("sun.stdout.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /**
     * Runs {@code body} with {@code System.out} and {@code System.err} filtered (both in
     * {@code charset}), the unfiltered standard output kept for {@link #raw()}; puts them back after.
     */
    static <T> T around(Charset charset, java.util.function.Supplier<T> body) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        raw = out;
        rawErr = err;
        System.setOut(wrap(out, charset));
        System.setErr(wrap(err, charset));
        try {
            return body.get();
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(out);
            System.setErr(err);
            raw = null;
            rawErr = null;
        }
    }

    /** Standard output without the filter: for a task's own bytes and the live view's cursor moves. {@code System.out} outside {@link #around}. */
    static PrintStream raw() {
        PrintStream r = raw;
        if (r != null) {
            System.out.flush(); // what was printed through the filter first comes first
        }
        return r != null ? r : System.out;
    }

    /** Standard error without the filter: for a task's own bytes ({@code steward exec}). {@code System.err} outside {@link #around}. */
    static PrintStream rawErr() {
        PrintStream r = rawErr;
        if (r != null) {
            System.err.flush();
        }
        return r != null ? r : System.err;
    }

    @Override
    public void write(int b) throws IOException {
        feed(b & 0xff);
        drain();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) {
            feed(b[i] & 0xff);
        }
        drain();
    }

    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < holding; i++) {
            emit(held[i]);
        }
        holding = 0;
        flush();
        out.close();
    }

    private void feed(int b) throws IOException {
        if (holding == 1) {
            int first = held[0];
            holding = 0;
            if (first == 0xc2) { // U+0080..U+00BF: C2 80..9F are the C1 controls
                if (b >= 0x80 && b <= 0x9f) {
                    escape(b);
                    return;
                }
                emit(first);
            } else if (b == 0x80 || b == 0x81) { // E2 80 xx is U+2000..203F, E2 81 xx U+2040..207F
                held[1] = b;
                holding = 2;
                return;
            } else {
                emit(first);
            }
        } else if (holding == 2) {
            int second = held[1];
            holding = 0;
            int cp = 0x2000 | (second & 0x3f) << 6 | (b & 0x3f);
            if ((b & 0xc0) == 0x80 && ControlChars.acts(cp)) {
                escape(cp);
                return;
            }
            emit(0xe2);
            emit(second);
        }
        if (b < 0x80) {
            if (ControlChars.acts(b)) {
                escape(b);
            } else {
                emit(b);
            }
        } else if (!utf8) {
            if (b <= 0x9f) { // a single-byte charset's C1 control
                escape(b);
            } else {
                emit(b);
            }
        } else if (b == 0xc2 || b == 0xe2) {
            held[0] = b;
            holding = 1;
        } else {
            emit(b);
        }
    }

    private void escape(int cp) throws IOException {
        StringBuilder s = new StringBuilder(6);
        ControlChars.appendEscape(s, cp);
        for (int i = 0; i < s.length(); i++) {
            emit(s.charAt(i));
        }
    }

    private void emit(int b) throws IOException {
        if (n == buf.length) {
            drain();
        }
        buf[n++] = (byte) b;
    }

    private void drain() throws IOException {
        if (n > 0) {
            out.write(buf, 0, n);
            n = 0;
        }
    }
}
