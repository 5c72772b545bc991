package dev.steward.tls;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CRLReason;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The certificates a party refuses although its CAs signed them: the entries of the revocation
 * lists its CA file holds beside the CAs ({@code steward tls cert revoke} writes them). Each list
 * must be signed by a CA in the same file, or the file does not load: a list nobody trusted could
 * otherwise only be noise, and a forged one is refused. A list's next-update date is not enforced:
 * the lists are written by hand when a certificate leaks, not published on a schedule, and a list
 * that ran out must not quietly let a revoked certificate back in.
 */
public final class Revocations {
    /** One revoked certificate: its issuer (a CA's subject), serial, when, and why (null: unspecified). */
    public record Revoked(X500Principal issuer, BigInteger serial, Instant at, CRLReason reason) {
        /** {@code serial 3A:F0:...}, as {@code openssl x509 -serial} and the JDK print it, for messages. */
        public String serialText() {
            return Revocations.serialText(serial);
        }

        /** Why, in words: {@code key compromise}; empty when no reason was given. */
        public String reasonText() {
            return reason == null || reason == CRLReason.UNSPECIFIED ? "" : reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    /** An entry of a list, with the CA that signed the list: a rotation may give the old CA and the new one the same name. */
    private record Entry(Revoked revoked, X509Certificate ca) {
    }

    private static final Revocations NONE = new Revocations(Map.of(), List.of());
    /** By serial, as the cheap first look of every check: few serials are revoked, and a certificate's CA is only asked for on a match. */
    private final Map<BigInteger, List<Entry>> bySerial;
    private final List<Revoked> all;
    /** The serials whose refusal was logged: once each, so a revoked client that keeps trying does not fill the log. */
    private final java.util.Set<BigInteger> logged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(TlsFiles.class.getName());

    private Revocations(Map<BigInteger, List<Entry>> bySerial, List<Revoked> all) {
        this.bySerial = bySerial;
        this.all = all;
    }

    /** None revoked. */
    public static Revocations none() {
        return NONE;
    }

    /**
     * The revocations of {@code crls}, each checked against {@code cas}: a list is refused (naming
     * {@code source}) unless a CA of the file signed it, or when a CA signed two of them.
     */
    public static Revocations of(List<X509Certificate> cas, List<X509CRL> crls, String source) throws IOException {
        if (crls.isEmpty()) {
            return NONE;
        }
        Map<BigInteger, List<Entry>> bySerial = new HashMap<>();
        List<Revoked> all = new java.util.ArrayList<>();
        java.util.Set<X509Certificate> listed = new java.util.HashSet<>();
        for (X509CRL crl : crls) {
            X500Principal issuer = crl.getIssuerX500Principal();
            X509Certificate ca = signerOf(crl, cas);
            if (ca == null) {
                throw new IOException(source + ": its revocation list of " + issuer.getName() + " is signed by no CA in the file; "
                        + "a list is written by 'steward tls cert revoke' with the CA's key");
            }
            if (!listed.add(ca)) {
                throw new IOException(source + ": it holds two revocation lists of one CA, " + issuer.getName() + "; keep the latest alone");
            }
            if (crl.getRevokedCertificates() != null) {
                for (X509CRLEntry e : crl.getRevokedCertificates()) {
                    Revoked r = new Revoked(issuer, e.getSerialNumber(), e.getRevocationDate().toInstant(), e.getRevocationReason());
                    bySerial.computeIfAbsent(r.serial(), k -> new java.util.ArrayList<>(1)).add(new Entry(r, ca));
                    all.add(r);
                }
            }
        }
        all.sort(java.util.Comparator.comparing(Revoked::at).thenComparing(Revoked::serial));
        return new Revocations(bySerial, List.copyOf(all));
    }

    /** The revocations of the lists in {@code caFile}, checked against its CAs, as {@link #of(List, List, String)}. */
    public static Revocations ofFile(java.nio.file.Path caFile) throws IOException {
        String text = Pem.text(caFile);
        return of(Pem.certificates(text, caFile.toString()), Pem.crls(text, caFile.toString()), caFile.toString());
    }

    /** The CA of {@code cas} that signed {@code crl}, or null. */
    private static X509Certificate signerOf(X509CRL crl, List<X509Certificate> cas) {
        for (X509Certificate ca : cas) {
            if (issued(ca, crl)) {
                return ca;
            }
        }
        return null;
    }

    /** Whether {@code crl} is {@code ca}'s: its name, and signed with its key (a rotation may give two CAs one name). */
    static boolean issued(X509Certificate ca, X509CRL crl) {
        if (!ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
            return false;
        }
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException wrongKey) {
            return false;
        }
    }

    /** Whether {@code ca} issued {@code c}: its name, and signed with its key. */
    public static boolean issued(X509Certificate ca, X509Certificate c) {
        if (!ca.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
            return false;
        }
        try {
            c.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException wrongKey) {
            return false;
        }
    }

    /** Every revoked certificate, the earliest revoked first. */
    public List<Revoked> all() {
        return all;
    }

    public boolean isEmpty() {
        return all.isEmpty();
    }

    /** Whether {@code c} is revoked by the list of the CA that issued it (its name, and its signature on {@code c}). */
    public Optional<Revoked> of(X509Certificate c) {
        List<Entry> entries = bySerial.get(c.getSerialNumber());
        if (entries == null) {
            return Optional.empty();
        }
        for (Entry e : entries) {
            if (issued(e.ca(), c)) {
                return Optional.of(e.revoked());
            }
        }
        return Optional.empty();
    }

    /** Throws, saying which certificate and since when, if a certificate of {@code chain} is revoked. */
    public void check(X509Certificate[] chain) throws CertificateException {
        if (all.isEmpty() || chain == null) {
            return;
        }
        for (X509Certificate c : chain) {
            Optional<Revoked> r = of(c);
            if (r.isPresent()) {
                throw new RevokedCertificateException(c, r.get());
            }
        }
    }

    /** As {@link #check}, logging a refusal of {@code who} ("a caller", "a server") once per certificate. */
    void checkAndLog(X509Certificate[] chain, String who) throws CertificateException {
        try {
            check(chain);
        } catch (RevokedCertificateException e) {
            if (logged.size() < 1000 && logged.add(e.revoked().serial())) {
                LOG.warning("refused " + who + ": " + e.getMessage() + " (said once per certificate)");
            }
            throw e;
        }
    }

    /**
     * Why a server refuses a request of a caller that presented {@code chain}, when a certificate
     * of it is revoked (its connection was made before: kept alive, or its session resumed); null
     * when none is, or when it presented none. Logged once per certificate, as a refused handshake is.
     */
    public String refusal(X509Certificate[] chain) {
        try {
            checkAndLog(chain, "a caller");
            return null;
        } catch (CertificateException e) {
            return "your client certificate is refused: " + e.getMessage();
        }
    }

    /** Colon-separated hex pairs, as the JDK's {@code keytool} and OpenSSL's {@code -text} print a serial. */
    public static String serialText(BigInteger serial) {
        String hex = serial.toString(16).toUpperCase(java.util.Locale.ROOT);
        if (hex.length() % 2 == 1) {
            hex = "0" + hex;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                b.append(':');
            }
            b.append(hex, i, i + 2);
        }
        return b.toString();
    }

    /** A serial as an operator may type it: hex, with or without colons, or {@code 0x}. */
    public static BigInteger parseSerial(String text) {
        String hex = text.strip().replace(":", "");
        if (hex.startsWith("0x") || hex.startsWith("0X")) {
            hex = hex.substring(2);
        }
        if (hex.isEmpty() || hex.length() > 64 || !hex.matches("[0-9A-Fa-f]+")) {
            throw new IllegalArgumentException("'" + text + "' is not a certificate serial (hex digits, colons allowed, at most 32 bytes)");
        }
        return new BigInteger(hex, 16);
    }

    /** A certificate refused because its CA revoked it: the message names it, its serial, and when. */
    public static final class RevokedCertificateException extends CertificateException {
        private final transient Revoked revoked;

        RevokedCertificateException(X509Certificate c, Revoked r) {
            super("the certificate " + c.getSubjectX500Principal().getName() + " (serial " + r.serialText() + ") was revoked at " + r.at()
                    + (r.reasonText().isEmpty() ? "" : " (" + r.reasonText() + ")") + " by its CA, " + r.issuer().getName());
            this.revoked = r;
        }

        public Revoked revoked() {
            return revoked;
        }
    }
}
