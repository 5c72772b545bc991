package dev.steward.agent;

import dev.steward.api.Heartbeat;
import dev.steward.tls.CaRevocation;
import dev.steward.tls.CaRotation;
import dev.steward.tls.CertificateAuthority;
import dev.steward.tls.CertificateAuthority.Kind;
import dev.steward.tls.TlsFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * An agent's calls to the allocator follow its CA file as it changes, as the allocator's own
 * TLS does, with no restart of the agent: the CA rotated under it is trusted, and an allocator
 * certificate revoked in it is refused by the next full handshake. (The agent read its CA file
 * once, at start: after a rotation its next new connection refused the allocator's new
 * certificate until it was restarted.)
 */
class AllocatorClientTlsTest {
    @TempDir
    Path dir;
    private ServerSocket listener;

    @AfterEach
    void stop() throws IOException {
        if (listener != null) {
            listener.close();
        }
    }

    /**
     * An HTTPS allocator stand-in presenting {@code dir/server.pem}: each connection is served by a
     * TLS context of its own, as by an allocator just restarted, so no session is resumed and every
     * call of a client shakes hands in full, checking the certificate. Each answers one call, 200
     * {@code {}}, and closes.
     */
    private String serve() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket plain = listener.accept()) {
                    plain.setSoTimeout(10_000);
                    SSLContext ctx = new TlsFiles(dir.resolve("steward-ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem")).context();
                    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, null, plain.getPort(), false)) {
                        s.setUseClientMode(false);
                        answer(s);
                    }
                } catch (IOException e) {
                    // a refused handshake: the client's side says why
                }
            }
        }, "allocator stand-in");
        t.setDaemon(true);
        t.start();
        return "https://127.0.0.1:" + listener.getLocalPort();
    }

    /** Reads one request (its head, then the body its Content-Length gives) and answers 200 {@code {}}, closing. */
    private static void answer(SSLSocket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
        OutputStream out = s.getOutputStream();
        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Issues a server certificate from {@code ca} and puts it over {@code dir/server.pem}, key first, as an operator renews one. */
    private void putServerCertificate(CertificateAuthority ca) throws IOException {
        Path next = Files.createDirectories(dir.resolve("next"));
        ca.issue(Kind.SERVER, List.of("127.0.0.1"), Instant.now(), Duration.ofDays(1)).write(next, "server");
        Files.move(next.resolve("server-key.pem"), dir.resolve("server-key.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(next.resolve("server.pem"), dir.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void beat(AllocatorClient c) throws IOException {
        c.heartbeat("a1", new Heartbeat(Map.of(), List.of()));
    }

    @Test
    void a_ca_rotated_under_a_running_agent_is_trusted_and_a_revoked_allocator_certificate_is_refused_without_a_restart() throws Exception {
        CertificateAuthority old = CertificateAuthority.create("old CA", Duration.ofDays(30), Clock.systemUTC());
        old.ca().write(dir, "steward-ca");
        putServerCertificate(old);
        String url = serve();
        AllocatorClient agent = new AllocatorClient(url, "sta_token", TlsFiles.trusting(dir.resolve("steward-ca.pem")), false,
                Duration.ofSeconds(10), Duration.ZERO);
        beat(agent);

        // the CA rotated: the agent's CA file holds both CAs, and the allocator presents a certificate of the new one
        CertificateAuthority fresh = CaRotation.start(dir, "steward-ca", "new CA", Duration.ofDays(30), Clock.systemUTC());
        putServerCertificate(fresh);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> beat(agent));

        // the allocator's certificate revoked (its key leaked): the agent's next handshake refuses it, saying why
        CaRevocation.revoke(dir.resolve("steward-ca.pem"), fresh, new TlsFiles(null, dir.resolve("server.pem"), dir.resolve("server-key.pem")).leaf()
                .getSerialNumber(), java.security.cert.CRLReason.KEY_COMPROMISE, Instant.now());
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            try {
                beat(agent);
                return false;
            } catch (IOException e) {
                return String.valueOf(e.getMessage()).contains("was revoked at");
            }
        });
        assertThatThrownBy(() -> beat(agent)).isInstanceOf(IOException.class).hasMessageContaining("(key compromise) by its CA, CN=new CA");
    }
}
