package dev.steward.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A CA rotation on real files: while it is under way the CA file trusts certificates of both CAs
 * and new ones are the new CA's; once finished, only the new CA's; each step refused out of turn,
 * and a start cut short between its writes taken up again.
 */
class CaRotationTest {
    private static final String STEM = "steward-ca";
    @TempDir
    Path dir;

    private CertificateAuthority oldCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("old CA", Duration.ofDays(100), Clock.systemUTC());
        ca.ca().write(dir, STEM);
        return ca;
    }

    private X509Certificate leaf(CertificateAuthority ca) throws Exception {
        return ca.issue(CertificateAuthority.Kind.SERVER, List.of("127.0.0.1"), Instant.now(), Duration.ofDays(10)).certificate();
    }

    /** Whether a party given the CA file now would trust {@code leaf}. */
    private boolean trusted(X509Certificate leaf) throws Exception {
        try {
            TlsFiles.trusting(dir.resolve(STEM + ".pem")).trustManager().checkServerTrusted(new X509Certificate[] {leaf}, "ECDHE_ECDSA");
            return true;
        } catch (CertificateException e) {
            return false;
        }
    }

    private CertificateAuthority loaded() throws Exception {
        return CertificateAuthority.load(dir.resolve(STEM + ".pem"), dir.resolve(STEM + "-key.pem"));
    }

    @Test
    void both_cas_are_trusted_while_it_is_under_way_and_only_the_new_one_after() throws Exception {
        CertificateAuthority old = oldCa();
        X509Certificate oldLeaf = leaf(old);
        assertThat(trusted(oldLeaf)).isTrue();

        CertificateAuthority fresh = CaRotation.start(dir, STEM, "new CA", Duration.ofDays(200), Clock.systemUTC());
        assertThat(Pem.certificates(dir.resolve(STEM + ".pem"))).containsExactly(fresh.ca().certificate(), old.ca().certificate());
        assertThat(Pem.certificates(dir.resolve(STEM + "-previous.pem"))).containsExactly(old.ca().certificate());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(STEM + "-previous-key.pem")))).isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(STEM + "-key.pem")))).isEqualTo("rw-------");
        X509Certificate newLeaf = leaf(loaded());
        assertThat(newLeaf.getIssuerX500Principal().getName()).as("what is issued now is the new CA's").isEqualTo("CN=new CA");
        assertThat(trusted(oldLeaf)).as("under way: the old CA's certificates still trusted").isTrue();
        assertThat(trusted(newLeaf)).isTrue();
        assertThatThrownBy(() -> CaRotation.start(dir, STEM, "third", Duration.ofDays(1), Clock.systemUTC()))
                .hasMessageContaining("a rotation is under way already").hasMessageContaining("holds 2 CAs").hasMessageContaining("steward tls ca finish");

        X509Certificate kept = CaRotation.finish(dir, STEM);
        assertThat(kept).isEqualTo(fresh.ca().certificate());
        assertThat(Pem.certificates(dir.resolve(STEM + ".pem"))).containsExactly(fresh.ca().certificate());
        assertThat(dir.resolve(STEM + "-previous.pem")).doesNotExist();
        assertThat(dir.resolve(STEM + "-previous-key.pem")).doesNotExist();
        assertThat(trusted(oldLeaf)).as("finished: the old CA's certificates refused").isFalse();
        assertThat(trusted(newLeaf)).isTrue();
        assertThatThrownBy(() -> CaRotation.finish(dir, STEM)).hasMessageContaining("no rotation is under way");
        assertThat(leaf(loaded()).getIssuerX500Principal().getName()).isEqualTo("CN=new CA");
    }

    @Test
    void a_ca_key_that_is_not_the_cas_is_refused_naming_both_files() throws Exception {
        oldCa();
        CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(1), Clock.systemUTC());
        Pem.write(dir.resolve(STEM + "-key.pem"), Pem.encode("PRIVATE KEY", other.ca().key().getEncoded()), true, true);
        assertThatThrownBy(this::loaded).hasMessageContaining(STEM + "-key.pem is not the key of the certificate in").hasMessageContaining("not a pair");
        assertThatThrownBy(() -> CaRotation.start(dir, STEM, "new", Duration.ofDays(1), Clock.systemUTC())).hasMessageContaining("not a pair");
        assertThat(dir.resolve(STEM + "-previous.pem")).as("nothing written").doesNotExist();
    }

    @Test
    void a_start_cut_short_before_or_after_its_bundle_is_taken_up_again() throws Exception {
        CertificateAuthority old = oldCa();
        // cut short after the new key was written beside the old, before the bundle: the old pair is still the one in use
        CertificateAuthority lost = CertificateAuthority.create("lost", Duration.ofDays(1), Clock.systemUTC());
        Pem.write(dir.resolve(STEM + "-previous.pem"), Pem.encode("CERTIFICATE", old.ca().certificate().getEncoded()), false, false);
        Pem.write(dir.resolve(STEM + "-key.pem.next"), Pem.encode("PRIVATE KEY", lost.ca().key().getEncoded()), true, false);
        CertificateAuthority fresh = CaRotation.start(dir, STEM, "new CA", Duration.ofDays(10), Clock.systemUTC());
        assertThat(Pem.certificates(dir.resolve(STEM + ".pem"))).containsExactly(fresh.ca().certificate(), old.ca().certificate());
        assertThat(dir.resolve(STEM + "-key.pem.next")).doesNotExist();
        assertThat(loaded().ca().certificate()).isEqualTo(fresh.ca().certificate());

        // cut short after the bundle, before the new key was put in place: the finish puts it there first
        Files.copy(dir.resolve(STEM + "-key.pem"), dir.resolve(STEM + "-key.pem.next"));
        Files.copy(dir.resolve(STEM + "-previous-key.pem"), dir.resolve(STEM + "-key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(CaRotation.finish(dir, STEM)).isEqualTo(fresh.ca().certificate());
        assertThat(loaded().ca().certificate()).isEqualTo(fresh.ca().certificate());
        assertThat(dir.resolve(STEM + "-key.pem.next")).doesNotExist();
    }
}
