package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser marks an agent whose heartbeat says its disk is nearly full,
 * with what is free in its title, and one whose TLS certificate ends within a month, with when;
 * and neither on an agent with room and a certificate good for longer. An allocator whose own
 * certificate ends within a month is named above the cluster's totals.
 */
class DashboardAgentBadgesBrowserTest extends ClusterBrowserTest {

    private String join(String name, String usage) {
        JsonNode joined = c.callAs(c.server.joinToken(), "POST", "/v1/agents", "{\"name\":\"" + name + "\",\"cpus\":\"1\",\"memory\":\"1g\"}");
        String id = joined.path("agent").path("id").asText();
        c.callAs(joined.path("token").asText(), "PUT", "/v1/agents/" + id + "/heartbeat", "{\"usage\":{" + usage + "}}");
        return id;
    }

    @Test
    void an_agent_whose_disk_is_nearly_full_is_marked_with_what_is_free() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster(Duration.ofMinutes(5));
        join("full", "\"diskFreeMib\":300,\"diskPressureMib\":1024");
        join("roomy", "\"diskFreeMib\":50000,\"diskPressureMib\":1024");
        b = new Browser();
        b.signIn(c.server.url(), c.server.adminToken());
        assertThat(b.awaitAttribute("#agents tr[data-agent='full'] span", "disk nearly full", "title", Duration.ofSeconds(20)))
                .isEqualTo("300 MiB free, below 1 GiB: nothing new is placed here until there is more");
        assertThat(b.awaitTextOf("#agents tr[data-agent='roomy']", "ready", Duration.ofSeconds(20))).doesNotContain("disk nearly full");
        b.screenshot("disk-nearly-full");
    }

    @Test
    void an_agent_whose_certificate_ends_within_a_month_is_marked_with_when() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster(Duration.ofMinutes(5));
        java.time.Instant soon = java.time.Instant.now().plus(Duration.ofDays(12)).plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        join("soon", "\"tlsNotAfter\":" + soon.getEpochSecond());
        join("later", "\"tlsNotAfter\":" + java.time.Instant.now().plus(Duration.ofDays(200)).getEpochSecond());
        b = new Browser();
        b.signIn(c.server.url(), c.server.adminToken());
        assertThat(b.awaitAttribute("#agents tr[data-agent='soon'] span", "certificate ends soon", "title", Duration.ofSeconds(20)))
                .isEqualTo("TLS certificate ends at " + soon.toString().replace("Z", ".000Z") + " (in 12 days): renew it ('steward tls cert create') "
                        + "and write it over the old files (read again within 10 s, no restart)");
        assertThat(b.awaitTextOf("#agents tr[data-agent='later']", "ready", Duration.ofSeconds(20))).doesNotContain("certificate");
        b.screenshot("certificate-ends-soon");
        assertThat(b.driver.findElements(By.id("allocator-certificate"))).as("a plain-HTTP allocator has no certificate to end").isEmpty();
    }

    @Test
    void the_allocators_own_certificate_ending_within_a_month_is_named_above_the_cluster() throws Exception {
        Browser.assumeAvailable();
        java.nio.file.Path certs = java.nio.file.Files.createTempDirectory("steward-dashboard-tls");
        try {
            var ca = dev.steward.tls.CertificateAuthority.create("dashboard test", Duration.ofDays(400), java.time.Clock.systemUTC());
            ca.ca().write(certs, "ca");
            java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            ca.issue(dev.steward.tls.CertificateAuthority.Kind.SERVER, java.util.List.of("127.0.0.1"), now, Duration.ofDays(12).plusHours(1))
                    .write(certs, "server");
            dev.steward.tls.TlsFiles server = new dev.steward.tls.TlsFiles(certs.resolve("ca.pem"), certs.resolve("server.pem"), certs.resolve("server-key.pem"));
            java.time.Instant ends = server.leaf().getNotAfter().toInstant();
            c = new Cluster(cfg -> cfg.withTls(new dev.steward.allocator.http.ServerTls(server, false)),
                    new okhttp3.OkHttpClient.Builder().sslSocketFactory(dev.steward.tls.TlsFiles.trusting(certs.resolve("ca.pem")).context().getSocketFactory(),
                            dev.steward.tls.TlsFiles.trusting(certs.resolve("ca.pem")).trustManager()).build());
            b = new Browser(java.util.List.of("--ignore-certificate-errors")); // the test's own CA, which chromium does not know
            b.signIn(c.server.url(), c.server.adminToken());
            String notice = b.awaitTextOf("#allocator-certificate", "TLS certificate", Duration.ofSeconds(20));
            assertThat(notice).isEqualTo("The allocator's TLS certificate ends at " + ends.toString().replace("Z", ".000Z")
                    + " (in 12 days): renew it ('steward tls cert create --server') and write it over the old files; it is read again within 10 s, no restart.");
            b.screenshot("allocator-certificate-ends-soon");
        } finally {
            try (var files = java.nio.file.Files.walk(certs)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
