package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.http.ServerTls;
import dev.steward.tls.CaRevocation;
import dev.steward.tls.CertificateAuthority;
import dev.steward.tls.CertificateAuthority.Kind;
import dev.steward.tls.Revocations;
import dev.steward.tls.TlsFiles;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CRLReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A machine gone or broken into: its agent's certificate revoked in the CA file under a running
 * allocator on mutual TLS. The allocator reads the file again, refuses the agent's heartbeats on
 * the connection it already holds (no restart of either), the agent says why, and the allocator
 * holds it lost after its grace, while another agent goes on; an agent's log server refuses a
 * revoked caller on the connection it kept too.
 */
class AgentRevocationTest {
    @TempDir
    Path certs;
    private Cluster c;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    private TlsFiles issue(CertificateAuthority ca, Kind kind, String stem) throws IOException {
        ca.issue(kind, List.of("127.0.0.1"), Instant.now(), Duration.ofDays(1)).write(certs, stem);
        return new TlsFiles(certs.resolve("ca.pem"), certs.resolve(stem + ".pem"), certs.resolve(stem + "-key.pem"));
    }

    private Map<String, String> tls(TlsFiles own) {
        return Map.of("ca-cert", certs.resolve("ca.pem").toString(), "tls-cert", own.cert().toString(), "tls-key", own.key().toString(),
                "tls-verify-clients", "on");
    }

    private String status(String name) {
        for (JsonNode a : c.call("GET", "/v1/agents", null)) {
            if (a.path("name").asText().equals(name)) {
                return a.path("status").asText();
            }
        }
        return "absent";
    }

    @Test
    void an_agent_whose_certificate_is_revoked_is_refused_by_the_running_allocator_and_held_lost() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("test cluster", Duration.ofDays(1), Clock.systemUTC());
        ca.ca().write(certs, "ca");
        TlsFiles server = issue(ca, Kind.SERVER, "server");
        TlsFiles m1 = issue(ca, Kind.AGENT, "m1");
        TlsFiles m2 = issue(ca, Kind.AGENT, "m2");
        TlsFiles client = issue(ca, Kind.CLIENT, "client");
        c = new Cluster(cfg -> cfg.withTls(new ServerTls(server, true, Duration.ofMillis(500))).withHeartbeatGrace(Duration.ofSeconds(8)),
                new OkHttpClient.Builder().sslSocketFactory(client.context().getSocketFactory(), client.trustManager())
                        .readTimeout(Duration.ofSeconds(60)).build());
        c.agent("m1", tls(m1));
        c.agent("m2", tls(m2));
        await().atMost(Duration.ofSeconds(30)).until(() -> status("m1").equals("READY") && status("m2").equals("READY"));

        // a scraper of m2's metrics, on mutual TLS, whose connection is kept alive
        TlsFiles scraperFiles = issue(ca, Kind.CLIENT, "scraper");
        OkHttpClient scraper = new OkHttpClient.Builder().sslSocketFactory(scraperFiles.context().getSocketFactory(), scraperFiles.trustManager())
                .readTimeout(Duration.ofSeconds(30)).build();
        String m2Metrics = null;
        for (JsonNode a : c.call("GET", "/v1/agents", null)) {
            if (a.path("name").asText().equals("m2")) {
                m2Metrics = a.path("attributes").path("address").asText() + "/metrics";
            }
        }
        assertThat(m2Metrics).startsWith("https://127.0.0.1:");
        String metricsUrl = m2Metrics;
        String metricsToken = java.nio.file.Files.readString(c.root.resolve("agent-m2").resolve("metrics.token")).trim();
        java.util.concurrent.Callable<String> scrape = () -> {
            try (okhttp3.Response r = scraper.newCall(new okhttp3.Request.Builder().url(metricsUrl).header("Authorization", "Bearer " + metricsToken)
                    .build()).execute()) {
                return r.code() + " " + r.body().string();
            }
        };
        assertThat(scrape.call()).startsWith("200 ");

        String serial = Revocations.serialText(m1.leaf().getSerialNumber());
        try (LogCapture agentLog = LogCapture.of(Agent.class)) {
            CaRevocation.revoke(certs.resolve("ca.pem"), ca, m1.leaf().getSerialNumber(), CRLReason.KEY_COMPROMISE, Instant.now());
            CaRevocation.revoke(certs.resolve("ca.pem"), ca, scraperFiles.leaf().getSerialNumber(), CRLReason.PRIVILEGE_WITHDRAWN, Instant.now());
            // m2's log server reads the CA file again too, and refuses the scraper on the connection it kept
            await().atMost(Duration.ofSeconds(60)).until(() -> scrape.call().startsWith("403 your client certificate is refused: the certificate "
                    + "CN=127.0.0.1 (serial " + Revocations.serialText(scraperFiles.leaf().getSerialNumber()) + ") was revoked at "));
            await().atMost(Duration.ofSeconds(60)).until(() -> agentLog.lines().stream().anyMatch(l -> l.startsWith("WARNING heartbeat failed")
                    && l.contains("the certificate CN=127.0.0.1 (serial " + serial + ") was revoked at ") && l.contains("(key compromise)")));
            await().atMost(Duration.ofSeconds(60)).until(() -> status("m1").equals("LOST"));
            assertThat(status("m2")).as("the other agent goes on").isEqualTo("READY");
        }
    }
}
