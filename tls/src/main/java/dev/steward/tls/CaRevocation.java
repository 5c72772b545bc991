package dev.steward.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.security.cert.CRLReason;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Revoking a certificate of the cluster's CA: the CA file ({@code steward-ca.pem}) gets the CA's
 * revocation list, signed with its key, beside its CAs, as OpenSSL's {@code -CAfile} may hold
 * CRLs. Every party given the file reads it again within 10 s and refuses the certificate from
 * then on ({@link Revocations}): a new connection in its handshake, a request on a connection
 * made before with a 403 ({@link TlsFiles.Live}). The file is written through a rename, so a
 * party never reads half of it; during a CA rotation each CA's list is its own.
 */
public final class CaRevocation {
    private CaRevocation() {
    }

    /** What a revocation did: the CA that revoked, the entry, and whether it was there already (nothing written). */
    public record Outcome(X509Certificate ca, Revocations.Revoked revoked, boolean already) {
    }

    /**
     * Revokes {@code serial} under {@code signer}, one of the CAs in {@code caFile}, at {@code now}
     * for {@code reason} (null: unspecified). A serial revoked already is left as it was.
     */
    public static Outcome revoke(Path caFile, CertificateAuthority signer, BigInteger serial, CRLReason reason, Instant now) throws IOException {
        String text = Pem.text(caFile);
        List<X509Certificate> cas = Pem.certificates(text, caFile.toString());
        List<X509CRL> crls = Pem.crls(text, caFile.toString());
        Revocations.of(cas, crls, caFile.toString()); // a file that does not load is not written over
        X509Certificate ca = signer.ca().certificate();
        if (!cas.contains(ca)) {
            throw new IOException(caFile + " does not hold the CA whose key was given (" + ca.getSubjectX500Principal().getName() + ")");
        }
        X509CRL own = null;
        List<X509CRL> others = new ArrayList<>();
        for (X509CRL crl : crls) {
            if (own == null && Revocations.issued(ca, crl)) {
                own = crl;
            } else {
                others.add(crl);
            }
        }
        List<Revocations.Revoked> entries = new ArrayList<>(own == null ? List.of() : Revocations.of(List.of(ca), List.of(own), caFile.toString()).all());
        for (Revocations.Revoked r : entries) {
            if (r.serial().equals(serial)) {
                return new Outcome(ca, r, true);
            }
        }
        Revocations.Revoked added = new Revocations.Revoked(ca.getSubjectX500Principal(), serial, now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                reason == null ? CRLReason.UNSPECIFIED : reason);
        entries.add(added);
        BigInteger number = own == null ? BigInteger.ONE : CertificateAuthority.number(own).add(BigInteger.ONE);
        X509CRL next = signer.revocationList(entries, number, now);
        List<X509CRL> lists = new ArrayList<>(others);
        lists.add(next);
        write(caFile, cas, lists);
        return new Outcome(ca, added, false);
    }

    /** The lists of {@code crls} that are one of {@code cas}'s, in order. */
    static List<X509CRL> of(List<X509Certificate> cas, List<X509CRL> crls) {
        List<X509CRL> out = new ArrayList<>();
        for (X509CRL crl : crls) {
            if (cas.stream().anyMatch(ca -> Revocations.issued(ca, crl))) {
                out.add(crl);
            }
        }
        return out;
    }

    /** Writes {@code cas}, then {@code crls}, to {@code caFile} through a rename. */
    static void write(Path caFile, List<X509Certificate> cas, List<X509CRL> crls) throws IOException {
        StringBuilder b = new StringBuilder();
        try {
            for (X509Certificate c : cas) {
                b.append(Pem.encode("CERTIFICATE", c.getEncoded()));
            }
            for (X509CRL crl : crls) {
                b.append(Pem.encode("X509 CRL", crl.getEncoded()));
            }
        } catch (CertificateEncodingException | CRLException e) {
            throw new IOException(e.getMessage(), e);
        }
        Pem.write(caFile, b.toString(), false, true);
    }
}
