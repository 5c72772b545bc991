package dev.steward.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code steward ARGS} in this JVM and keeps what it printed on stdout and on stderr, with its exit code. */
record CliRun(int code, String out, String err) {
    static synchronized CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CliRun(Main.run(StandardCharsets.UTF_8, args), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** {@code steward tls ARGS --dir DIR}: the CA and certificates in {@code dir}. */
    static CliRun tls(java.nio.file.Path dir, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "tls";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--dir";
        all[args.length + 2] = dir.toString();
        return of(all);
    }

    /** {@code args} followed by {@code --addr} and {@code --token} for {@code s}, as its admin. */
    static String[] with(dev.steward.allocator.Server s, String... args) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 4);
        out[args.length] = "--addr";
        out[args.length + 1] = s.url();
        out[args.length + 2] = "--token";
        out[args.length + 3] = s.adminToken();
        return out;
    }
}
