package dev.steward.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code steward tls}: what it writes, and until when each certificate is good (a certificate's end stops every connection at once). */
class TlsCommandTest {
    @TempDir
    Path dir;

    @Test
    void each_certificate_made_says_until_when_it_is_valid() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        CliRun ca = CliRun.of("tls", "ca", "create", "--dir", dir.toString(), "--days", "400");
        assertThat(ca.code()).as(ca.err()).isZero();
        assertThat(ca.out()).contains("==> CA certificate: " + dir.resolve("steward-ca.pem") + ", valid until ");
        assertThat(until(ca.out().lines().findFirst().orElseThrow())).isBetween(before.plus(Duration.ofDays(400)), Instant.now().plus(Duration.ofDays(400)));

        CliRun server = CliRun.of("tls", "cert", "create", "--server", "--dir", dir.toString(), "--name", "10.0.0.7", "--days", "10");
        assertThat(server.code()).as(server.err()).isZero();
        String first = server.out().lines().findFirst().orElseThrow();
        assertThat(first).startsWith("==> server certificate: " + dir.resolve("server.pem") + " for 10.0.0.7, localhost, 127.0.0.1, ::1, valid until ")
                .containsPattern("\\(then every party refuses it: write the next over it before, no restart needed\\); serial [0-9A-F]{2}(:[0-9A-F]{2})+$");
        assertThat(until(first)).isBetween(before.plus(Duration.ofDays(10)), Instant.now().plus(Duration.ofDays(10)));
    }

    /** The instant after "valid until " in a line. */
    private static Instant until(String line) {
        String rest = line.substring(line.indexOf("valid until ") + "valid until ".length());
        return Instant.parse(rest.split(" ")[0]);
    }
}
