package dev.steward.client;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.allocator.http.ServerTls;
import dev.steward.tls.CertificateAuthority;
import dev.steward.tls.CertificateAuthority.Kind;
import dev.steward.tls.TlsFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The allocator over HTTPS on loopback, with certificates from {@code CertificateAuthority}: a
 * client that trusts the cluster's CA gets through; a wrong CA, an expired certificate and a
 * host-name mismatch are refused; with mutual TLS, a caller without a client certificate is
 * refused before its token is even read; and a token is never sent over plain HTTP to an address
 * that is not loopback unless the user allows it.
 */
class TlsTest {
    @TempDir
    Path dir;
    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(Server::close);
    }

    private CertificateAuthority ca(String stem) throws IOException {
        CertificateAuthority ca = CertificateAuthority.create("test " + stem, Duration.ofDays(1), Clock.systemUTC());
        ca.ca().write(dir, stem);
        return ca;
    }

    private TlsFiles issue(CertificateAuthority ca, Kind kind, String stem, Instant from, String... names) throws IOException {
        ca.issue(kind, List.of(names), from, Duration.ofDays(1)).write(dir, stem);
        return new TlsFiles(dir.resolve("ca.pem"), dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"));
    }

    private Server server(TlsFiles files, boolean verifyClients) throws IOException {
        Path data = dir.resolve("server-" + servers.size());
        Server s = Server.start(ServerConfig.of(data).withTls(new ServerTls(files, verifyClients)));
        servers.add(s);
        return s;
    }

    private static StewardClient client(Server s, TlsFiles tls) {
        return StewardClient.builder(s.url()).token(s.adminToken()).tls(tls).retryBudget(Duration.ZERO).build();
    }

    @Test
    void a_client_that_trusts_the_ca_gets_through_and_a_wrong_ca_an_expired_certificate_and_a_wrong_name_are_refused() throws Exception {
        CertificateAuthority ca = ca("ca");
        ca("other");
        Server good = server(issue(ca, Kind.SERVER, "server", Instant.now(), "localhost", "127.0.0.1"), false);
        assertThat(good.url()).startsWith("https://127.0.0.1:");
        assertThat(client(good, TlsFiles.trusting(dir.resolve("ca.pem"))).status()).isNotNull();

        assertThatThrownBy(() -> client(good, TlsFiles.trusting(dir.resolve("other.pem"))).status())
                .isInstanceOf(SSLException.class).hasMessageContaining("unable to find valid certification path");
        assertThatThrownBy(() -> client(good, null).status()).as("the JDK's trust store does not know the cluster's CA")
                .isInstanceOf(SSLException.class);

        Server expired = server(issue(ca, Kind.SERVER, "expired", Instant.now().minus(Duration.ofDays(3)), "localhost", "127.0.0.1"), false);
        assertThatThrownBy(() -> client(expired, TlsFiles.trusting(dir.resolve("ca.pem"))).status())
                .isInstanceOf(SSLException.class).hasStackTraceContaining("validity");

        Server elsewhere = server(issue(ca, Kind.SERVER, "elsewhere", Instant.now(), "steward.example.org", "10.9.8.7"), false);
        assertThatThrownBy(() -> client(elsewhere, TlsFiles.trusting(dir.resolve("ca.pem"))).status())
                .isInstanceOf(SSLException.class).hasMessageContaining("127.0.0.1");

        assertThatThrownBy(() -> StewardClient.builder(good.url().replace("https:", "http:")).token(good.adminToken()).retryBudget(Duration.ZERO).build().status())
                .as("plain HTTP to an HTTPS port gets no answer it could misread").isInstanceOf(IOException.class);
    }

    @Test
    void an_allocator_certificate_revoked_in_the_ca_file_or_the_pasted_ca_text_is_refused_and_another_is_not() throws Exception {
        CertificateAuthority ca = ca("ca");
        TlsFiles leaked = issue(ca, Kind.SERVER, "leaked", Instant.now(), "127.0.0.1");
        Server revoked = server(leaked, false);
        Server kept = server(issue(ca, Kind.SERVER, "kept", Instant.now(), "127.0.0.1"), false);
        dev.steward.tls.CaRevocation.revoke(dir.resolve("ca.pem"), ca, leaked.leaf().getSerialNumber(), java.security.cert.CRLReason.KEY_COMPROMISE,
                Instant.now());
        String serial = dev.steward.tls.Revocations.serialText(leaked.leaf().getSerialNumber());

        assertThatThrownBy(() -> client(revoked, TlsFiles.trusting(dir.resolve("ca.pem"))).status()).isInstanceOf(SSLException.class)
                .hasMessageContaining("the certificate CN=127.0.0.1 (serial " + serial + ") was revoked at");
        assertThat(client(kept, TlsFiles.trusting(dir.resolve("ca.pem"))).status()).isNotNull();

        String pasted = java.nio.file.Files.readString(dir.resolve("ca.pem")); // as the Jenkins plugin's credentials hold it: the CA and its list
        assertThatThrownBy(() -> StewardClient.builder(revoked.url()).token(revoked.adminToken()).caCertificate(pasted).retryBudget(Duration.ZERO)
                .build().status()).isInstanceOf(SSLException.class).hasMessageContaining("(key compromise)");
        assertThat(StewardClient.builder(kept.url()).token(kept.adminToken()).caCertificate(pasted).retryBudget(Duration.ZERO).build().status())
                .isNotNull();
    }

    @Test
    void with_mutual_tls_a_caller_without_a_certificate_from_the_ca_is_refused() throws Exception {
        CertificateAuthority ca = ca("ca");
        CertificateAuthority other = ca("other");
        Server s = server(issue(ca, Kind.SERVER, "server", Instant.now(), "127.0.0.1"), true);
        TlsFiles client = issue(ca, Kind.CLIENT, "client", Instant.now(), "ci");
        assertThat(client(s, client).status()).isNotNull();

        assertThatThrownBy(() -> client(s, TlsFiles.trusting(dir.resolve("ca.pem"))).status()).as("no client certificate").isInstanceOf(IOException.class);
        other.issue(Kind.CLIENT, List.of("ci"), Instant.now(), Duration.ofDays(1)).write(dir, "stranger");
        TlsFiles stranger = new TlsFiles(dir.resolve("ca.pem"), dir.resolve("stranger.pem"), dir.resolve("stranger-key.pem"));
        assertThatThrownBy(() -> client(s, stranger).status()).as("a certificate from another CA").isInstanceOf(IOException.class);
    }

    /** Connections that never start their TLS handshake count against the limit, and give way to a client that does. */
    @Test
    void over_tls_connections_that_never_shake_hands_are_counted_and_the_oldest_gives_way() throws Exception {
        CertificateAuthority ca = ca("ca");
        TlsFiles files = issue(ca, Kind.SERVER, "server", Instant.now(), "127.0.0.1");
        Server s = Server.start(ServerConfig.of(dir.resolve("limited")).withTls(new ServerTls(files, false))
                .withHttp(dev.steward.allocator.http.HttpLimits.DEFAULTS.withConnections(2)));
        servers.add(s);
        List<java.net.Socket> silent = new ArrayList<>();
        try {
            for (int i = 1; i <= 2; i++) {
                java.net.Socket so = new java.net.Socket();
                silent.add(so);
                so.connect(s.address(), 5000);
                int counted = i;
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.connectionsOpen() == counted);
            }
            assertThat(client(s, TlsFiles.trusting(dir.resolve("ca.pem"))).status()).as("a client that shakes hands gets through").isNotNull();
            java.net.Socket oldest = silent.get(0);
            oldest.setSoTimeout(10_000);
            assertThat(oldest.getInputStream().read()).as("the connection silent longest was closed").isEqualTo(-1);
            assertThat(s.connectionsOpen()).isLessThanOrEqualTo(2);
        } finally {
            for (java.net.Socket so : silent) {
                so.close();
            }
        }
    }

    @Test
    void a_token_is_not_sent_over_plain_http_to_an_address_that_is_not_loopback_unless_allowed() {
        for (String addr : List.of("http://10.231.250.9:4646", "http://steward.example.org:4646", "http://[fd00::1]:4646")) {
            assertThatThrownBy(() -> StewardClient.builder(addr).token("stt_x").build()).as(addr)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refusing to send a token over plain HTTP")
                    .hasMessageContaining("--ca-cert").hasMessageContaining("--allow-plain-http");
        }
        for (String addr : List.of("http://127.0.0.1:4646", "http://localhost:4646", "http://[::1]:4646", "https://10.231.250.9:4646")) {
            assertThat(StewardClient.builder(addr).token("stt_x").build()).as(addr).isNotNull();
        }
        assertThat(StewardClient.builder("http://10.231.250.9:4646").token("stt_x").allowPlainHttp(true).build()).isNotNull();
        assertThat(StewardClient.builder("http://10.231.250.9:4646").build()).as("no token, nothing to leak").isNotNull();
    }
}
