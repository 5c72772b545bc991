package dev.steward.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CRLReason;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A certificate revoked in the CA file is refused by real handshakes on loopback, both ways (a
 * server's by its clients, a client's by a server that asks for one), by a party that read the
 * file before the revocation too (no restart); a list no CA in the file signed is refused, and a
 * CA rotation carries each CA's list as long as that CA is trusted.
 */
class RevocationTest {
    @TempDir
    Path dir;

    private CertificateAuthority ca() throws IOException {
        CertificateAuthority ca = CertificateAuthority.create("Steward test CA", Duration.ofDays(30), Clock.systemUTC());
        ca.ca().write(dir, "ca");
        return ca;
    }

    private TlsFiles issue(CertificateAuthority ca, CertificateAuthority.Kind kind, String stem) throws IOException {
        ca.issue(kind, List.of("127.0.0.1"), Instant.now(), Duration.ofDays(2)).write(dir, stem);
        return new TlsFiles(dir.resolve("ca.pem"), dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"));
    }

    private Path caFile() {
        return dir.resolve("ca.pem");
    }

    private CaRevocation.Outcome revoke(CertificateAuthority ca, TlsFiles whose, CRLReason reason) throws IOException {
        return CaRevocation.revoke(caFile(), ca, whose.leaf().getSerialNumber(), reason, Instant.now());
    }

    /**
     * One exchange on a new connection: {@code server} accepts (asking for a client certificate
     * when {@code mutual}), {@code client} connects, a byte goes back. Throws the client's failure;
     * the server's, if any, is put in {@code serverFailure}.
     */
    private static void exchange(SSLContext server, SSLContext client, boolean mutual, AtomicReference<Exception> serverFailure) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ss.setNeedClientAuth(mutual);
            Thread t = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    serverFailure.set(e);
                }
            });
            t.start();
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                c.setSoTimeout(10_000);
                c.startHandshake();
                if (c.getInputStream().read() != 1) { // TLS 1.3: a refused client certificate is told after the client's handshake
                    throw new IOException("the server closed the connection");
                }
            } finally {
                t.join(10_000);
            }
        }
    }

    private static void exchange(SSLContext server, SSLContext client, boolean mutual) throws Exception {
        exchange(server, client, mutual, new AtomicReference<>());
    }

    @Test
    void a_revoked_server_certificate_is_refused_by_its_clients_naming_it_and_another_still_passes() throws Exception {
        CertificateAuthority ca = ca();
        TlsFiles revoked = issue(ca, CertificateAuthority.Kind.SERVER, "leaked");
        TlsFiles kept = issue(ca, CertificateAuthority.Kind.SERVER, "kept");
        CaRevocation.Outcome o = revoke(ca, revoked, CRLReason.KEY_COMPROMISE);
        assertThat(o.already()).isFalse();
        String serial = Revocations.serialText(revoked.leaf().getSerialNumber());

        SSLContext client = TlsFiles.trusting(caFile()).context();
        assertThatThrownBy(() -> exchange(revoked.context(), client, false)).isInstanceOf(IOException.class)
                .hasMessageContaining("the certificate CN=127.0.0.1 (serial " + serial + ") was revoked at " + o.revoked().at())
                .hasMessageContaining("(key compromise) by its CA, CN=Steward test CA");
        exchange(kept.context(), client, false);
        assertThat(Files.readString(caFile())).as("the CA file holds the CA, then its list").containsSubsequence(
                "-----BEGIN CERTIFICATE-----", "-----BEGIN X509 CRL-----");
    }

    @Test
    void a_revoked_client_certificate_is_refused_by_a_server_that_asks_for_one_and_the_server_says_so_once() throws Exception {
        CertificateAuthority ca = ca();
        TlsFiles server = issue(ca, CertificateAuthority.Kind.SERVER, "server");
        TlsFiles leaked = issue(ca, CertificateAuthority.Kind.CLIENT, "leaked");
        TlsFiles other = issue(ca, CertificateAuthority.Kind.CLIENT, "other");
        revoke(ca, leaked, null);

        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(TlsFiles.class.getName());
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            SSLContext serving = server.context();
            for (int i = 0; i < 2; i++) {
                AtomicReference<Exception> refused = new AtomicReference<>();
                assertThatThrownBy(() -> exchange(serving, leaked.context(), true, refused)).isInstanceOf(IOException.class);
                assertThat(refused.get()).as("the server's side").isNotNull().hasMessageContaining("was revoked at");
            }
            exchange(serving, other.context(), true);
        } finally {
            log.removeHandler(h);
        }
        String serial = Revocations.serialText(leaked.leaf().getSerialNumber());
        assertThat(logged.stream().filter(l -> l.contains(serial))).as(logged.toString()).singleElement().asString()
                .startsWith("WARNING refused a caller: the certificate CN=127.0.0.1 (serial " + serial + ") was revoked at");
    }

    @Test
    void a_party_running_since_before_the_revocation_refuses_the_certificate_from_its_next_handshake() throws Exception {
        CertificateAuthority ca = ca();
        TlsFiles server = issue(ca, CertificateAuthority.Kind.SERVER, "server");
        TlsFiles client = issue(ca, CertificateAuthority.Kind.CLIENT, "client");
        TlsFiles.Live live = server.live(Duration.ZERO); // its files looked at by every handshake
        exchange(live.context(), client.context(), true);
        assertThat(live.revocations().get().isEmpty()).isTrue();

        revoke(ca, client, CRLReason.SUPERSEDED);
        AtomicReference<Exception> refused = new AtomicReference<>();
        assertThatThrownBy(() -> exchange(live.context(), client.context(), true, refused)).isInstanceOf(IOException.class);
        assertThat(refused.get()).hasMessageContaining("(superseded)");
        assertThat(live.revocations().get().of(client.leaf())).as("what a server checks each request against").isPresent();
        assertThat(live.revocations().get().refusal(new X509Certificate[] {client.leaf()}))
                .startsWith("your client certificate is refused: the certificate CN=127.0.0.1 (serial ").contains("(superseded)");
        assertThat(live.revocations().get().refusal(new X509Certificate[] {server.leaf()})).isNull();
        assertThat(live.revocations().get().refusal(null)).as("a caller that presented none").isNull();
    }

    @Test
    void revoking_again_changes_nothing_and_each_list_is_numbered_after_the_last() throws Exception {
        CertificateAuthority ca = ca();
        TlsFiles a = issue(ca, CertificateAuthority.Kind.AGENT, "a");
        TlsFiles b = issue(ca, CertificateAuthority.Kind.AGENT, "b");
        Instant first = revoke(ca, a, CRLReason.KEY_COMPROMISE).revoked().at();
        String once = Files.readString(caFile());
        CaRevocation.Outcome again = revoke(ca, a, CRLReason.SUPERSEDED);
        assertThat(again.already()).isTrue();
        assertThat(again.revoked().at()).isEqualTo(first);
        assertThat(again.revoked().reason()).as("the first revocation's reason stays").isEqualTo(CRLReason.KEY_COMPROMISE);
        assertThat(Files.readString(caFile())).isEqualTo(once);

        revoke(ca, b, null);
        String text = Files.readString(caFile());
        List<java.security.cert.X509CRL> crls = Pem.crls(text, "ca.pem");
        assertThat(crls).hasSize(1);
        assertThat(CertificateAuthority.number(crls.get(0))).isEqualTo(BigInteger.TWO);
        Revocations r = Revocations.of(Pem.certificates(text, "ca.pem"), crls, "ca.pem");
        assertThat(r.all()).extracting(Revocations.Revoked::serial).containsExactlyInAnyOrder(a.leaf().getSerialNumber(), b.leaf().getSerialNumber());
        assertThat(r.of(a.leaf()).orElseThrow().reason()).isEqualTo(CRLReason.KEY_COMPROMISE);
        assertThat(r.of(b.leaf()).orElseThrow().reasonText()).isEmpty();
    }

    @Test
    void a_list_no_ca_in_the_file_signed_is_refused_naming_the_file() throws Exception {
        ca();
        CertificateAuthority stranger = CertificateAuthority.create("Steward test CA", Duration.ofDays(30), Clock.systemUTC()); // same name, other key
        java.security.cert.X509CRL forged = stranger.revocationList(List.of(), BigInteger.ONE, Instant.now());
        Files.writeString(caFile(), Files.readString(caFile()) + Pem.encode("X509 CRL", forged.getEncoded()));
        assertThatThrownBy(() -> TlsFiles.trusting(caFile()).trustManager()).isInstanceOf(IOException.class)
                .hasMessageContaining(caFile() + ": its revocation list of CN=Steward test CA is signed by no CA in the file");
    }

    @Test
    void a_ca_rotation_keeps_the_old_cas_revocations_while_it_is_trusted_and_the_new_cas_after() throws Exception {
        // both CAs of one name, as 'steward tls ca rotate' makes them by default: each list is its own CA's all the same
        CertificateAuthority old = CertificateAuthority.create("Steward cluster CA", Duration.ofDays(30), Clock.systemUTC());
        old.ca().write(dir, "steward-ca");
        Path file = dir.resolve("steward-ca.pem");
        old.issue(CertificateAuthority.Kind.CLIENT, List.of("c1"), Instant.now(), Duration.ofDays(2)).write(dir, "c1");
        X509Certificate c1 = Pem.certificates(dir.resolve("c1.pem")).get(0);
        CaRevocation.revoke(file, old, c1.getSerialNumber(), null, Instant.now());

        CertificateAuthority fresh = CaRotation.start(dir, "steward-ca", "Steward cluster CA", Duration.ofDays(30), Clock.systemUTC());
        assertThatThrownBy(() -> TlsFiles.trusting(file).trustManager().checkClientTrusted(new X509Certificate[] {c1}, "ECDHE_ECDSA"))
                .as("under way: the old CA's revocation still holds").hasMessageContaining("was revoked at");
        fresh.issue(CertificateAuthority.Kind.CLIENT, List.of("c2"), Instant.now(), Duration.ofDays(2)).write(dir, "c2");
        X509Certificate c2 = Pem.certificates(dir.resolve("c2.pem")).get(0);
        CaRevocation.revoke(file, fresh, c2.getSerialNumber(), null, Instant.now());
        assertThat(Pem.crls(Files.readString(file), "f")).hasSize(2);
        X509TrustManager both = TlsFiles.trusting(file).trustManager();
        for (X509Certificate c : List.of(c1, c2)) {
            assertThatThrownBy(() -> both.checkClientTrusted(new X509Certificate[] {c}, "ECDHE_ECDSA")).hasMessageContaining("was revoked at");
        }
        old.issue(CertificateAuthority.Kind.CLIENT, List.of("c3"), Instant.now(), Duration.ofDays(2)).write(dir, "c3");
        both.checkClientTrusted(new X509Certificate[] {Pem.certificates(dir.resolve("c3.pem")).get(0)}, "ECDHE_ECDSA");

        CaRotation.finish(dir, "steward-ca");
        String text = Files.readString(file);
        assertThat(Pem.certificates(text, "f")).containsExactly(fresh.ca().certificate());
        List<java.security.cert.X509CRL> kept = Pem.crls(text, "f");
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).getIssuerX500Principal().getName()).isEqualTo("CN=Steward cluster CA");
        kept.get(0).verify(fresh.ca().certificate().getPublicKey()); // the new CA's list, not the old one's
        assertThatThrownBy(() -> TlsFiles.trusting(file).trustManager().checkClientTrusted(new X509Certificate[] {c2}, "ECDHE_ECDSA"))
                .hasMessageContaining("was revoked at");
    }

    @Test
    void a_party_whose_own_certificate_its_ca_file_revokes_is_told_what_to_do_and_one_not_revoked_is_told_nothing() throws Exception {
        CertificateAuthority ca = ca();
        TlsFiles own = issue(ca, CertificateAuthority.Kind.AGENT, "own");
        TlsFiles other = issue(ca, CertificateAuthority.Kind.AGENT, "other");
        revoke(ca, own, CRLReason.CESSATION_OF_OPERATION);
        List<String> told = new java.util.ArrayList<>();
        own.warnIfOwnRevoked(told::add);
        other.warnIfOwnRevoked(told::add);
        TlsFiles.trusting(caFile()).warnIfOwnRevoked(told::add);
        assertThat(told).singleElement().asString().startsWith("the certificate " + own.cert() + " (serial "
                + Revocations.serialText(own.leaf().getSerialNumber()) + ") was revoked at ")
                .endsWith("(cessation of operation): " + caFile() + " lists it, so every party given that file refuses it; issue a new one "
                        + "('steward tls cert create') and put it in its place");
    }

    @Test
    void serials_are_printed_as_hex_pairs_and_read_back_however_they_are_typed() {
        BigInteger s = new BigInteger("ABCDEF012", 16); // an odd number of digits: the first pair is padded
        assertThat(Revocations.serialText(s)).isEqualTo("0A:BC:DE:F0:12");
        assertThat(Revocations.parseSerial("0A:BC:DE:F0:12")).isEqualTo(s);
        assertThat(Revocations.parseSerial("0xabcdef012")).isEqualTo(s);
        assertThat(Revocations.parseSerial(" abcdef012 ")).isEqualTo(s);
        assertThatThrownBy(() -> Revocations.parseSerial("xyz")).hasMessageContaining("'xyz' is not a certificate serial");
    }
}
