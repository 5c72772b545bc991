package dev.steward.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a party says of its certificates' ends: nothing while a month or more is left, then when, and how to renew. */
class CertificateExpiryTest {
    @TempDir
    Path dir;

    private static final Instant MINTED = Instant.parse("2026-01-01T00:00:00Z");

    /** A CA valid for five years and a server certificate from it valid for {@code days}, both from {@link #MINTED}. */
    private TlsFiles files(int days) throws IOException {
        CertificateAuthority ca = CertificateAuthority.create("Steward test CA", Duration.ofDays(1825), Clock.fixed(MINTED, ZoneOffset.UTC));
        ca.ca().write(dir, "ca");
        ca.issue(CertificateAuthority.Kind.SERVER, List.of("alloc-1", "127.0.0.1"), MINTED, Duration.ofDays(days)).write(dir, "server");
        return new TlsFiles(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    }

    @Test
    void the_own_certificate_and_the_ca_are_read_with_their_ends() throws Exception {
        List<CertificateExpiry> all = CertificateExpiry.of(files(365));
        assertThat(all).extracting(CertificateExpiry::which).containsExactly("own", "ca");
        assertThat(all.get(0).file()).isEqualTo(dir.resolve("server.pem"));
        assertThat(all.get(0).subject()).contains("CN=alloc-1");
        assertThat(all.get(0).notAfter().truncatedTo(ChronoUnit.SECONDS)).isEqualTo(MINTED.plus(Duration.ofDays(365)));
        assertThat(all.get(0).notAfterSeconds()).isEqualTo(MINTED.plus(Duration.ofDays(365)).getEpochSecond());
        assertThat(all.get(1).notAfter().truncatedTo(ChronoUnit.SECONDS)).isEqualTo(MINTED.plus(Duration.ofDays(1825)));
        assertThat(CertificateExpiry.of(TlsFiles.trusting(dir.resolve("ca.pem")))).extracting(CertificateExpiry::which).containsExactly("ca");
    }

    @Test
    void nothing_is_said_until_a_month_is_left_then_when_it_ends_and_how_to_renew() throws Exception {
        List<CertificateExpiry> both = CertificateExpiry.of(files(365));
        CertificateExpiry own = both.get(0);
        Instant end = MINTED.plus(Duration.ofDays(365));
        assertThat(own.warning(MINTED)).isNull();
        assertThat(own.warning(end.minus(Duration.ofDays(31)))).isNull();
        assertThat(own.warning(end.minus(Duration.ofDays(12)).minusSeconds(5))).contains("the TLS certificate " + dir.resolve("server.pem"))
                .contains("CN=alloc-1").contains("expires at 2027-01-01T00:00:00Z, in 12 days")
                .contains("every party that checks it refuses the connection").contains("'steward tls cert create'");
        assertThat(own.warning(end.minus(Duration.ofHours(30)))).contains("in 1 day");
        assertThat(own.warning(end.minus(Duration.ofHours(3)))).contains("in less than a day");
        assertThat(own.warning(end)).contains("expired at 2027-01-01T00:00:00Z: every party");
        assertThat(own.warning(end.plus(Duration.ofDays(40)))).contains("expired at");

        CertificateExpiry ca = both.get(1);
        assertThat(ca.warning(MINTED.plus(Duration.ofDays(1824)))).startsWith("the CA certificate " + dir.resolve("ca.pem"))
                .contains("'steward tls ca create'");
    }
}
