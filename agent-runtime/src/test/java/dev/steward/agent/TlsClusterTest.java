package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.http.ServerTls;
import dev.steward.tls.CertificateAuthority;
import dev.steward.tls.CertificateAuthority.Kind;
import dev.steward.tls.TlsFiles;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A cluster that speaks only mutual TLS, with certificates from {@code steward tls}'s CA: the
 * allocator serves HTTPS and asks every caller for a certificate; the agent joins over it with its
 * agent certificate, serves its log server over HTTPS that asks the allocator for its certificate,
 * and a task's log is read through both. An agent without a certificate cannot join, and nobody
 * without one reads from the agent's log server.
 */
class TlsClusterTest {
    @TempDir
    Path certs;
    private Cluster c;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    private TlsFiles issue(CertificateAuthority ca, Kind kind, String stem, String... names) throws IOException {
        ca.issue(kind, List.of(names), Instant.now(), Duration.ofDays(1)).write(certs, stem);
        return new TlsFiles(certs.resolve("ca.pem"), certs.resolve(stem + ".pem"), certs.resolve(stem + "-key.pem"));
    }

    private static OkHttpClient https(TlsFiles tls) throws IOException {
        return new OkHttpClient.Builder().sslSocketFactory(tls.context().getSocketFactory(), tls.trustManager()).readTimeout(Duration.ofSeconds(60)).build();
    }

    /** When the certificate the allocator presents to a new connection of {@code client} ends. */
    private long presentedEnd(OkHttpClient client) throws IOException {
        try (Response r = client.newCall(new Request.Builder().url(c.server.url() + "/v1/health").build()).execute()) {
            return ((java.security.cert.X509Certificate) r.handshake().peerCertificates().get(0)).getNotAfter().toInstant().getEpochSecond();
        }
    }

    /** A GET through the cluster's client (which presents its certificate) with {@code token}: the body, once it is 200. */
    private String text(String url, String token) throws IOException {
        try (Response r = c.http.newCall(new Request.Builder().url(url).header("Authorization", "Bearer " + token).build()).execute()) {
            String body = r.body().string();
            assertThat(r.code()).as(body).isEqualTo(200);
            return body;
        }
    }

    /** The value of {@code name}'s one sample with {@code certificate="which"}, as a whole number of seconds. */
    private static long gauge(String scrape, String name, String which) {
        return scrape.lines().filter(l -> l.startsWith(name + "{certificate=\"" + which + "\""))
                .map(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).reduce((a, b) -> {
                    throw new AssertionError("more than one " + name + " for " + which);
                }).orElseThrow(() -> new AssertionError(name + " for " + which + " is not in:\n" + scrape));
    }

    @Test
    void the_allocator_and_an_agent_speak_mutual_tls_and_a_log_is_read_through_both() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("test cluster", Duration.ofDays(1), Clock.systemUTC());
        ca.ca().write(certs, "ca");
        TlsFiles server = issue(ca, Kind.SERVER, "server", "127.0.0.1");
        TlsFiles agent = issue(ca, Kind.AGENT, "agent", "127.0.0.1");
        TlsFiles client = issue(ca, Kind.CLIENT, "client", "ci");
        java.util.List<String> warned;
        try (LogCapture serverTls = LogCapture.of(ServerTls.class)) {
            c = new Cluster(cfg -> cfg.withTls(new ServerTls(server, true)), https(client));
            warned = serverTls.lines();
        }
        // certificates valid for a day: the server says at once which end within a month, and how to renew them
        assertThat(warned).anyMatch(w -> w.startsWith("WARNING the TLS certificate " + certs.resolve("server.pem")) && w.contains("in less than a day")
                && w.contains("'steward tls cert create'"));
        assertThat(warned).anyMatch(w -> w.startsWith("WARNING the CA certificate " + certs.resolve("ca.pem")));
        assertThat(c.server.url()).startsWith("https://127.0.0.1:");

        Map<String, String> tls = Map.of("ca-cert", certs.resolve("ca.pem").toString(), "tls-cert", agent.cert().toString(),
                "tls-key", agent.key().toString(), "tls-verify-clients", "on");
        c.agent("m1", tls);
        JsonNode agents = c.call("GET", "/v1/agents", null);
        String logServer = agents.get(0).path("attributes").path("address").asText();
        assertThat(logServer).as("the agent's log server speaks HTTPS").startsWith("https://127.0.0.1:");

        String alloc = c.allocate("0.1", "32m");
        String t = c.task(alloc, "{\"name\":\"hello\",\"command\":\"sh\",\"args\":[\"-c\",\"echo hello over tls; exec sleep 600\"],\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/tasks/" + t + "/logs", null).asText().contains("hello over tls"));

        // when each certificate ends, for the alert a month ahead: the allocator's and the agent's own, and the CA each trusts
        long serverEnds = server.leaf().getNotAfter().toInstant().getEpochSecond();
        long agentEnds = agent.leaf().getNotAfter().toInstant().getEpochSecond();
        long caEnds = ca.ca().certificate().getNotAfter().toInstant().getEpochSecond();
        String serverMetrics = text(c.server.url() + "/metrics", c.server.adminToken());
        assertThat(gauge(serverMetrics, "steward_tls_certificate_not_after_seconds", "own")).isEqualTo(serverEnds);
        assertThat(gauge(serverMetrics, "steward_tls_certificate_not_after_seconds", "ca")).isEqualTo(caEnds);
        String agentMetrics = text(logServer + "/metrics", Files.readString(c.root.resolve("agent-m1").resolve("metrics.token")).trim());
        assertThat(gauge(agentMetrics, "steward_agent_tls_certificate_not_after_seconds", "own")).isEqualTo(agentEnds);
        assertThat(gauge(agentMetrics, "steward_agent_tls_certificate_not_after_seconds", "ca")).isEqualTo(caEnds);

        // and its heartbeat says when the first of them ends, so 'steward agents' can say so without a scrape of every agent
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/agents", null).get(0).path("usage").path("tlsNotAfter").asLong()
                == Math.min(agentEnds, caEnds));

        // a renewed certificate put in place of the allocator's is served, and reported, without a restart; the agent goes on with it
        Path renewedDir = Files.createDirectories(certs.resolve("renewed"));
        ca.issue(Kind.SERVER, List.of("127.0.0.1"), Instant.now(), Duration.ofHours(30)).write(renewedDir, "server");
        long renewedEnds = new TlsFiles(null, renewedDir.resolve("server.pem"), renewedDir.resolve("server-key.pem")).leaf().getNotAfter().toInstant().getEpochSecond();
        Files.move(renewedDir.resolve("server-key.pem"), certs.resolve("server-key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(renewedDir.resolve("server.pem"), certs.resolve("server.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(60)).until(() -> presentedEnd(https(client)) == renewedEnds); // a new client: a full handshake
        await().atMost(Duration.ofSeconds(30)).until(() -> gauge(text(c.server.url() + "/metrics", c.server.adminToken()),
                "steward_tls_certificate_not_after_seconds", "own") == renewedEnds);
        String hb = agents.get(0).path("lastHeartbeat").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> !c.call("GET", "/v1/agents", null).get(0).path("lastHeartbeat").asText().equals(hb));

        OkHttpClient noCertificate = https(TlsFiles.trusting(certs.resolve("ca.pem")));
        assertThatThrownBy(() -> {
            try (Response r = noCertificate.newCall(new Request.Builder().url(logServer + "/v1/tasks/" + t + "/logs").build()).execute()) {
                r.body().string();
            }
        }).as("the agent's log server asks for a certificate from the CA").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> {
            try (Response r = noCertificate.newCall(new Request.Builder().url(c.server.url() + "/v1/status").build()).execute()) {
                r.body().string();
            }
        }).as("so does the allocator").isInstanceOf(IOException.class);

        Map<String, String> without = new java.util.HashMap<>(c.agentConfig("m2", Map.of("ca-cert", certs.resolve("ca.pem").toString())));
        assertThatThrownBy(() -> new Agent(AgentConfig.load(null, without), Clock.systemUTC()).start())
                .as("an agent without a certificate cannot join").isInstanceOf(IOException.class);
    }
}
