package dev.steward.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Replacing a cluster's CA without a moment where parties refuse each other, in two steps, as
 * Consul's and Vault's CA rotations cross-trust the old and new CA for a while:
 * <ol>
 * <li>{@link #start}: a new CA; the CA file ({@code steward-ca.pem}) becomes a bundle of the new CA
 * and the old one, the key file the new CA's key, and the old CA's files are kept beside them
 * ({@code steward-ca-previous.pem}, {@code steward-ca-previous-key.pem}). Every party given the
 * bundle (each reads its CA file again within 10 s, no restart) trusts certificates of either CA,
 * and certificates issued from then on are the new CA's.</li>
 * <li>Each party's certificate is issued again and written over its old one.</li>
 * <li>{@link #finish}: the CA file holds the new CA alone, the old CA's files go; given to every
 * party, a certificate of the old CA is refused from then on.</li>
 * </ol>
 * Each file is written through a temporary file and a rename, so a party that reads the CA file
 * while it changes sees the old or the new, never half of one. The CA file's revocation lists
 * ({@link CaRevocation}) go along: the old CA's while it is trusted, the new CA's after.
 */
public final class CaRotation {
    private CaRotation() {
    }

    /**
     * Starts a rotation of the CA whose files are {@code DIR/STEM.pem} and {@code DIR/STEM-key.pem}:
     * a new CA named {@code name}, valid for {@code validity}. Refused while a rotation is under
     * way (the CA file holds two CAs). A start cut short (the process killed) is taken up again.
     */
    public static CertificateAuthority start(Path dir, String stem, String name, Duration validity, Clock clock) throws IOException {
        Path caFile = dir.resolve(stem + ".pem");
        Path keyFile = dir.resolve(stem + "-key.pem");
        Path previous = dir.resolve(stem + "-previous.pem");
        Path previousKey = dir.resolve(stem + "-previous-key.pem");
        if (!Files.exists(caFile) || !Files.exists(keyFile)) {
            throw new IOException("no CA to rotate: " + caFile + " and " + keyFile + " must both exist (make one with 'steward tls ca create')");
        }
        recover(dir, stem);
        List<X509Certificate> held = Pem.certificates(caFile);
        if (held.size() > 1) {
            throw new IOException("a rotation is under way already: " + caFile + " holds " + held.size() + " CAs; finish it first ('steward tls ca "
                    + "finish', once every party has a certificate of the new CA)");
        }
        CertificateAuthority old = CertificateAuthority.load(caFile, keyFile); // refuses a key that is not the CA's
        if (Files.exists(previous) && !Pem.certificates(previous).get(0).equals(old.ca().certificate())) {
            throw new IOException(previous + " holds another CA than " + caFile + ": it is not this rotation's; move it away first");
        }
        // 1. the old CA's files, so that whatever happens next, nothing of it is lost
        Pem.write(previous, pem(old.ca().certificate()), false, true);
        Pem.write(previousKey, Pem.encode("PRIVATE KEY", old.ca().key().getEncoded()), true, true);
        // 2. the new key beside the old; 3. the bundle, new CA first; 4. the new key in place (recover() ends a start cut short here)
        CertificateAuthority fresh = CertificateAuthority.create(name, validity, clock);
        Pem.write(next(dir, stem), Pem.encode("PRIVATE KEY", fresh.ca().key().getEncoded()), true, true);
        List<java.security.cert.X509CRL> revoked = CaRevocation.of(List.of(old.ca().certificate()), Pem.crls(Pem.text(caFile), caFile.toString()));
        CaRevocation.write(caFile, List.of(fresh.ca().certificate(), old.ca().certificate()), revoked); // the old CA's revocations still hold
        Files.move(next(dir, stem), keyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return fresh;
    }

    private static Path next(Path dir, String stem) {
        return dir.resolve(stem + "-key.pem.next");
    }

    /**
     * Ends what a start cut short left: a new key written beside the old one is put in place when
     * the CA file already names its CA first, and dropped when it does not (the bundle was never
     * written: the old CA and key are still the pair in use).
     */
    static void recover(Path dir, String stem) throws IOException {
        Path next = next(dir, stem);
        if (!Files.exists(next)) {
            return;
        }
        Path caFile = dir.resolve(stem + ".pem");
        boolean written;
        try {
            CertificateAuthority.load(caFile, next);
            written = true;
        } catch (IOException notItsPair) {
            written = false;
        }
        if (written) {
            Files.move(next, dir.resolve(stem + "-key.pem"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.delete(next);
        }
    }

    /**
     * Finishes the rotation started in {@code dir}: the CA file holds the new CA alone, and the old
     * CA's files go. Returns the CA kept. Refused when no rotation is under way.
     */
    public static X509Certificate finish(Path dir, String stem) throws IOException {
        Path caFile = dir.resolve(stem + ".pem");
        Path keyFile = dir.resolve(stem + "-key.pem");
        recover(dir, stem);
        List<X509Certificate> held = Pem.certificates(caFile);
        if (held.size() < 2) {
            throw new IOException("no rotation is under way: " + caFile + " holds one CA (start one with 'steward tls ca rotate')");
        }
        CertificateAuthority.load(caFile, keyFile); // the first CA is the one whose key is here: the new one
        // the new CA's revocations stay; the old CA's go with it
        CaRevocation.write(caFile, List.of(held.get(0)), CaRevocation.of(List.of(held.get(0)), Pem.crls(Pem.text(caFile), caFile.toString())));
        Files.deleteIfExists(dir.resolve(stem + "-previous-key.pem"));
        Files.deleteIfExists(dir.resolve(stem + "-previous.pem"));
        return held.get(0);
    }

    private static String pem(X509Certificate c) throws IOException {
        try {
            return Pem.encode("CERTIFICATE", c.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
