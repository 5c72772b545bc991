package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.allocator.http.ServerTls;
import dev.steward.tls.TlsFiles;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code steward tls cert revoke} against a running allocator on mutual TLS, as an operator
 * would use it when a client's key leaks: no restart; the revoked certificate is refused in new
 * handshakes and on the connection it already had, others go on, and the list says what was
 * revoked, when and why.
 */
class TlsRevokeCommandTest {
    @TempDir
    Path dir;

    private CliRun tls(String... args) {
        return CliRun.tls(dir, args);
    }

    /** A client presenting {@code stem}'s certificate, trusting the CA file; it keeps its connections, as a long-lived client does. */
    private OkHttpClient client(String stem) throws IOException {
        TlsFiles files = new TlsFiles(dir.resolve("steward-ca.pem"), dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"));
        return new OkHttpClient.Builder().sslSocketFactory(files.context().getSocketFactory(), files.trustManager())
                .callTimeout(Duration.ofSeconds(10)).build();
    }

    /** The status and body of the allocator's health through {@code c}, or the failure's message. */
    private static String health(OkHttpClient c, String url) {
        try (Response r = c.newCall(new Request.Builder().url(url + "/v1/health").build()).execute()) {
            return r.code() + " " + r.body().string();
        } catch (IOException e) {
            return "failed: " + e;
        }
    }

    /** Whether a fresh client (a full handshake) presenting {@code stem}'s certificate gets the allocator's health. */
    private boolean served(String url, String stem) throws IOException {
        OkHttpClient c = client(stem);
        try {
            return health(c, url).startsWith("200 ");
        } finally {
            c.connectionPool().evictAll();
        }
    }

    private static String serial(CliRun created) {
        Matcher m = Pattern.compile("; serial ([0-9A-F:]+)").matcher(created.out());
        assertThat(m.find()).as(created.out()).isTrue();
        return m.group(1);
    }

    @Test
    void a_revoked_client_is_refused_by_a_running_allocator_on_new_and_kept_connections_and_the_others_go_on() throws Exception {
        assertThat(tls("ca", "create").code()).isZero();
        assertThat(tls("cert", "create", "--server").code()).isZero();
        CliRun leakedMade = tls("cert", "create", "--client", "--name", "ci-runner-7", "--out", "leaked");
        assertThat(leakedMade.code()).isZero();
        CliRun bySerialMade = tls("cert", "create", "--client", "--name", "laptop", "--out", "by-serial");
        assertThat(tls("cert", "create", "--client", "--out", "kept").code()).isZero();
        Path ca = dir.resolve("steward-ca.pem");
        try (Server a = Server.start(ServerConfig.of(dir.resolve("data"))
                .withTls(new ServerTls(new TlsFiles(ca, dir.resolve("server.pem"), dir.resolve("server-key.pem")), true, Duration.ofMillis(500))))) {
            String url = a.url();
            OkHttpClient leaked = client("leaked");
            assertThat(health(leaked, url)).startsWith("200 "); // a connection made before the revocation, kept alive
            assertThat(tls("cert", "revoked").out()).contains("no certificate of " + ca + " is revoked");

            CliRun revoke = tls("cert", "revoke", dir.resolve("leaked.pem").toString(), "--reason", "key-compromise");
            assertThat(revoke.code()).as(revoke.err()).isZero();
            assertThat(revoke.out()).contains("==> revoked CN=ci-runner-7, serial " + serial(leakedMade) + " (key compromise) by CN=Steward cluster CA")
                    .contains("==> give every party " + ca + ": each reads it again within 10 s");

            await().atMost(Duration.ofSeconds(60)).until(() -> !served(url, "leaked")); // the allocator reads its CA file again: no restart
            assertThat(health(leaked, url)).as("the connection it had is refused too, saying why")
                    .startsWith("403 ").contains("your client certificate is refused: the certificate CN=ci-runner-7 (serial " + serial(leakedMade)
                            + ") was revoked at ").contains("(key compromise)");
            // closed: its next call needs a new connection, refused in the handshake, or, when its TLS session is resumed, a 403 again
            assertThat(health(leaked, url)).as("the call after it").satisfiesAnyOf(h -> assertThat(h).startsWith("failed: "),
                    h -> assertThat(h).startsWith("403 ").contains("was revoked at "));
            assertThat(served(url, "kept")).as("another client goes on").isTrue();

            // the CLI with the revoked certificate says why before it calls, and why the allocator ended its connection
            CliRun status = CliRun.of("status", "--addr", url, "--token", a.adminToken(), "--ca-cert", ca.toString(),
                    "--client-cert", dir.resolve("leaked.pem").toString(), "--client-key", dir.resolve("leaked-key.pem").toString());
            assertThat(status.code()).isEqualTo(1);
            assertThat(status.err()).contains("warning: the certificate " + dir.resolve("leaked.pem") + " (serial " + serial(leakedMade)
                    + ") was revoked at ").contains("(key compromise): " + ca + " lists it, so every party given that file refuses it; issue a new one")
                    .contains("steward status: the allocator at " + url + " ")
                    .contains("a client certificate (" + dir.resolve("leaked.pem") + ") that is not from its CA, has ended, or was revoked");

            CliRun again = tls("cert", "revoke", dir.resolve("leaked.pem").toString());
            assertThat(again.code()).isZero();
            assertThat(again.out()).contains("CN=ci-runner-7, serial " + serial(leakedMade) + " was revoked already, at ")
                    .contains("(key compromise): left as it was");

            CliRun bySerial = tls("cert", "revoke", "--serial", serial(bySerialMade).toLowerCase(java.util.Locale.ROOT));
            assertThat(bySerial.code()).as(bySerial.err()).isZero();
            assertThat(bySerial.out()).contains("==> revoked serial " + serial(bySerialMade) + " by CN=Steward cluster CA");
            await().atMost(Duration.ofSeconds(60)).until(() -> !served(url, "by-serial"));

            CliRun list = tls("cert", "revoked");
            assertThat(list.code()).isZero();
            assertThat(list.out().lines()).hasSize(3);
            assertThat(list.out()).startsWith("CA").contains("SERIAL").contains("REVOKED").contains("REASON")
                    .containsPattern("CN=Steward cluster CA +" + serial(leakedMade) + " +\\d{4}-\\d\\d-\\d\\dT[0-9:]+Z +key compromise")
                    .containsPattern("CN=Steward cluster CA +" + serial(bySerialMade) + " +\\S+ +-");
        }
    }

    @Test
    void what_cannot_be_revoked_is_refused_with_the_reason() {
        assertThat(tls("ca", "create").code()).isZero();
        CliRun nothing = tls("cert", "revoke");
        assertThat(nothing.code()).isEqualTo(2);
        assertThat(nothing.err()).contains("name what to revoke: a certificate file, or --serial");
        CliRun badReason = tls("cert", "revoke", "--serial", "0A", "--reason", "boredom");
        assertThat(badReason.code()).isEqualTo(2);
        assertThat(badReason.err()).contains("--reason 'boredom' is not one of unspecified, key-compromise, superseded");
        CliRun badSerial = tls("cert", "revoke", "--serial", "zz");
        assertThat(badSerial.code()).isEqualTo(2);
        assertThat(badSerial.err()).contains("'zz' is not a certificate serial");

        Path other = dir.resolve("other");
        assertThat(CliRun.of("tls", "ca", "create", "--dir", other.toString(), "--name", "another CA").code()).isZero();
        assertThat(CliRun.of("tls", "cert", "create", "--client", "--dir", other.toString()).code()).isZero();
        CliRun foreign = tls("cert", "revoke", other.resolve("client.pem").toString());
        assertThat(foreign.code()).isEqualTo(1);
        assertThat(foreign.err()).contains(other.resolve("client.pem") + " was not issued by a CA in " + dir.resolve("steward-ca.pem")
                + " (it names CN=another CA): nothing to revoke, no party trusts it");
    }
}
