package dev.steward.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CA issues certificates that the JDK's TLS accepts, with the checks a client makes: a real
 * handshake on loopback succeeds against the right CA, for the right name, in time; a wrong CA,
 * an expired certificate and a host-name mismatch are refused.
 */
class TlsFilesTest {
    @TempDir
    Path dir;

    private Path ca(String stem) throws IOException {
        CertificateAuthority ca = CertificateAuthority.create("Steward test CA " + stem, Duration.ofDays(1), Clock.systemUTC());
        ca.ca().write(dir, stem);
        return dir.resolve(stem + ".pem");
    }

    private TlsFiles issue(String ca, String stem, List<String> names, Instant from, Duration validity) throws IOException {
        CertificateAuthority.load(dir.resolve(ca + ".pem"), dir.resolve(ca + "-key.pem"))
                .issue(CertificateAuthority.Kind.SERVER, names, from, validity).write(dir, stem);
        return new TlsFiles(dir.resolve(ca + ".pem"), dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"));
    }

    /** One handshake: a server presenting {@code server} on 127.0.0.1, a client trusting {@code trust} that checks {@code host}. */
    private static void handshake(TlsFiles server, TlsFiles trust, String host) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.context().getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    s.getOutputStream().write(1);
                } catch (IOException e) {
                    // the client refused: its side reports it
                }
            });
            t.start();
            try (SSLSocket c = (SSLSocket) trust.context().getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                SSLParameters p = c.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setServerNames(host.matches("[0-9.]+") ? List.of() : List.of(new javax.net.ssl.SNIHostName(host)));
                c.setSSLParameters(p);
                c.startHandshake();
                assertThat(c.getInputStream().read()).isEqualTo(1);
            } finally {
                t.join(10_000);
            }
        }
    }

    @Test
    void a_certificate_from_the_ca_passes_and_a_wrong_ca_an_expired_one_and_a_wrong_name_are_refused() throws Exception {
        Path ca = ca("ca");
        ca("other");
        TlsFiles good = issue("ca", "server", List.of("localhost", "127.0.0.1"), Instant.now(), Duration.ofDays(1));
        handshake(good, TlsFiles.trusting(ca), "127.0.0.1");
        handshake(good, TlsFiles.trusting(ca), "localhost");

        assertThatThrownBy(() -> handshake(good, TlsFiles.trusting(dir.resolve("other.pem")), "127.0.0.1"))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("PKIX path");
        TlsFiles expired = issue("ca", "expired", List.of("127.0.0.1"), Instant.now().minus(Duration.ofDays(3)), Duration.ofDays(1));
        assertThatThrownBy(() -> handshake(expired, TlsFiles.trusting(ca), "127.0.0.1"))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("validity");
        TlsFiles elsewhere = issue("ca", "elsewhere", List.of("steward.example.org", "10.1.2.3"), Instant.now(), Duration.ofDays(1));
        assertThatThrownBy(() -> handshake(elsewhere, TlsFiles.trusting(ca), "127.0.0.1"))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("No subject alternative");
    }

    @Test
    void keys_are_written_0600_never_replaced_and_bad_files_are_named_in_the_error() throws Exception {
        ca("ca");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.pem")))).isEqualTo("rw-r--r--");
        assertThatThrownBy(() -> ca("ca")).hasMessageContaining("exists already");
        Files.writeString(dir.resolve("junk.pem"), "hello");
        assertThatThrownBy(() -> Pem.certificates(dir.resolve("junk.pem"))).hasMessageContaining("junk.pem").hasMessageContaining("no certificate");
        org.assertj.core.api.Assertions.assertThatCode(() -> new TlsFiles(null, dir.resolve("ca.pem"), dir.resolve("ca-key.pem")).context())
                .doesNotThrowAnyException();
        ca("b");
        assertThatThrownBy(() -> new TlsFiles(null, dir.resolve("ca.pem"), dir.resolve("junk.pem")).context())
                .hasMessageContaining("junk.pem").hasMessageContaining("PKCS#8");
        assertThatThrownBy(() -> new TlsFiles(null, dir.resolve("ca.pem"), null)).hasMessageContaining("without its key");
        assertThatThrownBy(() -> CertificateAuthority.load(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"))
                .issue(CertificateAuthority.Kind.CLIENT, List.of("x"), Instant.now(), Duration.ofDays(1)).write(dir, "ca"))
                .hasMessageContaining("exists already");
    }
}
