package dev.steward.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.net.SocketException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a command's failure is said when it used a client certificate over TLS: an allocator that
 * ended the handshake is said to refuse such a certificate, with the three reasons it has; a
 * failure of the client's own checks of the allocator (its certificate revoked, or not from the
 * CA) says what failed, not blamed on the client's certificate.
 */
class ExplainTest {
    @AfterEach
    void forget() {
        Connection.lastAddress = null;
        Connection.lastClientCert = null;
    }

    @Test
    void an_allocator_that_ended_the_handshake_is_said_to_refuse_the_client_certificate_and_the_clients_own_checks_are_left_as_they_are() {
        Connection.lastAddress = "https://10.0.0.7:4646";
        Connection.lastClientCert = Path.of("tls/ci.pem");
        assertThat(Main.explain(new SSLHandshakeException("Received fatal alert: certificate_unknown")))
                .isEqualTo("the allocator at https://10.0.0.7:4646 refused the TLS handshake (Received fatal alert: certificate_unknown): it refuses "
                        + "a client certificate (tls/ci.pem) that is not from its CA, has ended, or was revoked ('steward tls cert revoked' lists revocations)");
        assertThat(Main.explain(new SocketException("Broken pipe"))).startsWith("the allocator at https://10.0.0.7:4646 closed the connection "
                + "(Broken pipe): it does so when it refuses a client certificate (tls/ci.pem)");
        String own = "the certificate CN=10.0.0.7 (serial 0A:0B) was revoked at 2026-12-07T22:00:00Z by its CA, CN=Steward cluster CA";
        assertThat(Main.explain(new SSLHandshakeException(own))).as("the allocator's certificate, refused by this client").isEqualTo(own);

        Connection.lastClientCert = null;
        assertThat(Main.explain(new SocketException("Broken pipe"))).as("no client certificate given").isEqualTo("Broken pipe");
    }
}
