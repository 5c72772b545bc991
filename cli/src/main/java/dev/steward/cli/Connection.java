package dev.steward.cli;

import dev.steward.client.StewardClient;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where and who, for every client subcommand: {@code --addr} / {@code STEWARD_ADDR} (default
 * http://127.0.0.1:4646) and {@code --token} / {@code STEWARD_TOKEN}; without a token, the admin
 * token of a local {@code steward dev} at that address is used. {@code --output json} prints
 * machine-readable results.
 */
final class Connection {
    @Option(names = "--addr", description = "Allocator address (or STEWARD_ADDR). Default: http://127.0.0.1:4646")
    String addr;

    @Option(names = "--token", description = "Token (or STEWARD_TOKEN). Default: a local 'steward dev' admin token")
    String token;

    @Option(names = {"-o", "--output"}, description = "text or json. Default: text", defaultValue = "text")
    String output;

    @Option(names = "--ca-cert", description = "The cluster's CA certificate (PEM) to check an https:// allocator against (or STEWARD_CACERT)")
    Path caCert;

    @Option(names = "--client-cert", description = "A client certificate (PEM) for an allocator that asks for one (or STEWARD_CLIENT_CERT)")
    Path clientCert;

    @Option(names = "--client-key", description = "The key of --client-cert (PEM, PKCS#8) (or STEWARD_CLIENT_KEY)")
    Path clientKey;

    @Option(names = "--allow-plain-http", description = "Send the token over plain HTTP to an address that is not loopback (or STEWARD_ALLOW_PLAIN_HTTP=1)")
    boolean allowPlainHttp;

    /** The address this process's commands talk to, for the hint when it cannot be reached. */
    static volatile String lastAddress;
    /** The client certificate the last client was made with (null: none), for {@link Main#explain}. */
    static volatile Path lastClientCert;
    private boolean warned;

    boolean json() {
        return "json".equalsIgnoreCase(output);
    }

    /** --addr, else STEWARD_ADDR, else the newest local 'steward dev' (whatever its --data or --port), else the default. */
    String address() {
        String a = addr != null ? addr : System.getenv("STEWARD_ADDR");
        if (a != null && !a.isBlank()) {
            return a;
        }
        List<DevRegistry.Entry> devs = DevRegistry.user().live();
        if (devs.size() > 1 && !warned) {
            warned = true;
            System.err.println("(" + devs.size() + " local 'steward dev' processes run; this talks to the newest, " + devs.get(0).address()
                    + " with data in " + devs.get(0).data() + "; --addr or STEWARD_ADDR chooses another)");
        }
        return devs.isEmpty() ? "http://127.0.0.1:4646" : devs.get(0).address();
    }

    StewardClient client() throws IOException {
        return builder().build();
    }

    /** A client whose calls give up after {@code bound}, retries included: for releasing on the way out. */
    StewardClient boundedClient(java.time.Duration bound) throws IOException {
        return builder().retryBudget(bound).callTimeout(bound).build();
    }

    private dev.steward.client.StewardClientBuilder builder() throws IOException {
        lastAddress = address();
        String t = token != null ? token : System.getenv("STEWARD_TOKEN");
        if (t == null || t.isBlank()) {
            t = devToken(address());
        }
        if (t == null) {
            throw new IOException("no token: set STEWARD_TOKEN (or --token); a local 'steward dev' prints one");
        }
        dev.steward.tls.TlsFiles files = tls();
        if (files != null) { // a client certificate (or the CA) that ends within a month: said at each command, before it stops working
            dev.steward.tls.CertificateExpiry.of(files, java.time.Instant.now(), w -> System.err.println("warning: " + w));
            files.warnIfOwnRevoked(w -> System.err.println("warning: " + w));
        }
        lastClientCert = files == null ? null : files.cert();
        return StewardClient.builder(address()).token(t).retryBudget(java.time.Duration.ofSeconds(5)) // a person is waiting
                .tls(files).allowPlainHttp(allowPlainHttp || "1".equals(System.getenv("STEWARD_ALLOW_PLAIN_HTTP")));
    }

    /** --ca-cert / --client-cert / --client-key, else their STEWARD_ variables; null when none is set. */
    dev.steward.tls.TlsFiles tls() throws IOException {
        Path ca = caCert != null ? caCert : env("STEWARD_CACERT");
        Path cert = clientCert != null ? clientCert : env("STEWARD_CLIENT_CERT");
        Path key = clientKey != null ? clientKey : env("STEWARD_CLIENT_KEY");
        if (ca == null && cert == null && key == null) {
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw new IOException("--client-cert and --client-key (STEWARD_CLIENT_CERT, STEWARD_CLIENT_KEY) go together");
        }
        return new dev.steward.tls.TlsFiles(ca, cert, key);
    }

    private static Path env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    /** The admin token of a local 'steward dev' at {@code address}, or null. */
    static String devToken(String address) {
        for (DevRegistry.Entry e : DevRegistry.user().live()) {
            if (e.address().equals(address)) {
                return e.token();
            }
        }
        Path dir = DevCommand.defaultData().resolve("server");
        try {
            if (Files.exists(dir.resolve("server.addr")) && Files.readString(dir.resolve("server.addr")).trim().equals(address)) {
                return Files.readString(dir.resolve("admin.token")).trim();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
