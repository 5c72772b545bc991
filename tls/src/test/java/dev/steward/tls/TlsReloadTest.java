package dev.steward.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A context reads its files again once they change on disk: a renewed certificate (or a key and
 * certificate written over the old ones) is what the next handshake presents, with no restart;
 * files that are not a pair yet leave the last good ones in use.
 */
class TlsReloadTest {
    @TempDir
    Path dir;

    private CertificateAuthority ca() throws IOException {
        CertificateAuthority ca = CertificateAuthority.create("Steward test CA", Duration.ofDays(30), Clock.systemUTC());
        ca.ca().write(dir, "ca");
        return ca;
    }

    /** Issues a server certificate for 127.0.0.1 valid {@code days}, written as {@code stem}.pem and its key. */
    private static void issue(CertificateAuthority ca, Path dir, String stem, int days) throws IOException {
        ca.issue(CertificateAuthority.Kind.SERVER, List.of("127.0.0.1"), Instant.now(), Duration.ofDays(days)).write(dir, stem);
    }

    /** What a new client trusting the CA sees the server present, in one full handshake (a client's own, so no session is resumed). */
    private X509Certificate presented(SSLServerSocket ss) throws Exception {
        SSLContext client = TlsFiles.trusting(dir.resolve("ca.pem")).context();
        Thread t = new Thread(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.startHandshake();
                s.getOutputStream().write(1);
            } catch (IOException e) {
                // the client's side says why
            }
        });
        t.start();
        try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
            c.startHandshake();
            assertThat(c.getInputStream().read()).isEqualTo(1);
            return (X509Certificate) c.getSession().getPeerCertificates()[0];
        } finally {
            t.join(10_000);
        }
    }

    /** Renames {@code from} over {@code to} in the test's directory, as an operator puts a renewed file in place. */
    private void put(String from, String to) throws IOException {
        Files.move(dir.resolve(from), dir.resolve(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void a_certificate_written_over_the_old_one_is_presented_by_the_next_handshake_and_half_a_pair_is_not() throws Exception {
        CertificateAuthority ca = ca();
        issue(ca, dir, "server", 2);
        TlsFiles files = new TlsFiles(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem"));
        try (SSLServerSocket ss = (SSLServerSocket) files.context(Duration.ZERO).getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            X509Certificate first = presented(ss);
            assertThat(first.getNotAfter().toInstant()).isBefore(Instant.now().plus(Duration.ofDays(3)));

            Path next = Files.createDirectories(dir.resolve("next"));
            issue(ca, next, "renewed", 20);
            Files.move(next.resolve("renewed.pem"), dir.resolve("renewed.pem"));
            Files.move(next.resolve("renewed-key.pem"), dir.resolve("renewed-key.pem"));
            put("renewed.pem", "server.pem"); // the certificate alone: not a pair with the old key
            assertThat(presented(ss)).as("half a pair is not used").isEqualTo(first);
            put("renewed-key.pem", "server-key.pem"); // and now its key
            X509Certificate renewed = presented(ss);
            assertThat(renewed).isNotEqualTo(first);
            assertThat(renewed.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(19)));
        }
    }

    @Test
    void a_key_of_another_certificate_is_refused_naming_both_files() throws Exception {
        CertificateAuthority ca = ca();
        issue(ca, dir, "one", 2);
        issue(ca, dir, "two", 2);
        TlsFiles mixed = new TlsFiles(dir.resolve("ca.pem"), dir.resolve("one.pem"), dir.resolve("two-key.pem"));
        assertThatThrownBy(mixed::context).isInstanceOf(IOException.class).hasMessageContaining("two-key.pem is not the key of the certificate in")
                .hasMessageContaining("one.pem");
    }
}
