package dev.steward.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * A certificate authority for one Steward cluster, as {@code nomad tls ca create} makes one: an
 * ECDSA P-256 key and a self-signed CA certificate; it issues certificates for the allocator and
 * agents (serverAuth for what they serve, clientAuth for what they call over mutual TLS, as
 * Nomad's server certificates do) and for clients (clientAuth: the CLI, the Jenkins plugin), each with its host names and IP
 * addresses as subject alternative names, which is what clients check. Time is injected, so a
 * test can issue a certificate that has already expired.
 */
public final class CertificateAuthority {
    /** What a certificate is for. */
    public enum Kind {
        /** The allocator: serves HTTPS, and presents the same certificate when it reads agents' logs over mutual TLS. */
        SERVER(true, true),
        /** An agent: serves its log server, and presents the certificate to the allocator. */
        AGENT(true, true),
        /** The CLI, the Jenkins plugin: only ever a client. */
        CLIENT(false, true);

        final boolean serverAuth;
        final boolean clientAuth;

        Kind(boolean serverAuth, boolean clientAuth) {
            this.serverAuth = serverAuth;
            this.clientAuth = clientAuth;
        }

        public String fileStem() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A certificate and its key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
        /** Writes {@code DIR/STEM.pem} (0644) and {@code DIR/STEM-key.pem} (0600); refuses to replace existing files. */
        public void write(Path dir, String stem) throws IOException {
            try {
                Pem.write(dir.resolve(stem + ".pem"), Pem.encode("CERTIFICATE", certificate.getEncoded()), false, false);
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IOException(e.getMessage(), e);
            }
            Pem.write(dir.resolve(stem + "-key.pem"), Pem.encode("PRIVATE KEY", key.getEncoded()), true, false);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Issued ca;

    private CertificateAuthority(Issued ca) {
        this.ca = ca;
    }

    public Issued ca() {
        return ca;
    }

    /** A new CA named {@code name}, valid from now for {@code validity}. */
    public static CertificateAuthority create(String name, Duration validity, Clock clock) throws IOException {
        KeyPair kp = keyPair();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = clock.instant();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(validity)), subject, kp.getPublic());
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0)); // signs leaves only
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(kp.getPublic()));
            return new CertificateAuthority(new Issued(sign(b, kp.getPrivate()), kp.getPrivate()));
        } catch (GeneralSecurityException | org.bouncycastle.cert.CertIOException e) {
            throw new IOException("cannot make the CA: " + e.getMessage(), e);
        }
    }

    /**
     * The CA in {@code cert} (its first certificate: during a rotation the file holds the new CA,
     * then the old one, {@link CaRotation}) and {@code key}, to issue more certificates. A key that
     * is not that certificate's is refused: what it signed would be trusted by no one.
     */
    public static CertificateAuthority load(Path cert, Path key) throws IOException {
        X509Certificate c = Pem.certificates(cert).get(0);
        if (c.getBasicConstraints() < 0) {
            throw new IOException(cert + " is not a CA certificate (make one with steward tls ca create)");
        }
        PrivateKey k = Pem.privateKey(key);
        if (!c.getPublicKey().getAlgorithm().equals(k.getAlgorithm())) {
            throw new IOException(key + " is a " + k.getAlgorithm() + " key, but the CA in " + cert + " is " + c.getPublicKey().getAlgorithm()
                    + ": they are not a pair");
        }
        TlsFiles.checkPair(k, c, key, cert);
        return new CertificateAuthority(new Issued(c, k));
    }

    /**
     * A certificate of {@code kind} for {@code names} (host names and IP addresses; the first is
     * the common name), valid from {@code notBefore} for {@code validity}.
     */
    public Issued issue(Kind kind, List<String> names, Instant notBefore, Duration validity) throws IOException {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs at least one host name or address");
        }
        KeyPair kp = keyPair();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(), Date.from(notBefore.minusSeconds(60)),
                    Date.from(notBefore.plus(validity)), new X500Name("CN=" + names.get(0)), kp.getPublic());
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            List<KeyPurposeId> purposes = new ArrayList<>();
            if (kind.serverAuth) {
                purposes.add(KeyPurposeId.id_kp_serverAuth);
            }
            if (kind.clientAuth) {
                purposes.add(KeyPurposeId.id_kp_clientAuth);
            }
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(new KeyPurposeId[0])));
            List<GeneralName> sans = new ArrayList<>();
            for (String n : names) {
                sans.add(isAddress(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(kp.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(ca.certificate()));
            return new Issued(sign(b, ca.key()), kp.getPrivate());
        } catch (GeneralSecurityException | org.bouncycastle.cert.CertIOException e) {
            throw new IOException("cannot issue the certificate: " + e.getMessage(), e);
        }
    }

    /**
     * This CA's revocation list of {@code revoked} (each entry's serial, date and reason kept as
     * given), numbered {@code number}, issued at {@code now}; it names the end of this CA as its
     * next update: the list is written again whenever a certificate is revoked, not on a schedule.
     */
    public java.security.cert.X509CRL revocationList(List<Revocations.Revoked> revoked, BigInteger number, Instant now) throws IOException {
        try {
            org.bouncycastle.cert.X509v2CRLBuilder b = new org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder(ca.certificate(), Date.from(now));
            b.setNextUpdate(ca.certificate().getNotAfter());
            for (Revocations.Revoked r : revoked) {
                b.addCRLEntry(r.serial(), Date.from(r.at()), r.reason() == null ? 0 : r.reason().ordinal()); // the JDK's CRLReason is in RFC 5280's order
            }
            b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(number));
            b.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate()));
            return new org.bouncycastle.cert.jcajce.JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key())));
        } catch (GeneralSecurityException | OperatorCreationException | org.bouncycastle.cert.CertIOException e) {
            throw new IOException("cannot write the revocation list: " + e.getMessage(), e);
        }
    }

    /** The number of {@code crl} (its CRL number extension), 0 when it has none. */
    static BigInteger number(java.security.cert.X509CRL crl) throws IOException {
        try {
            org.bouncycastle.asn1.x509.Extension e = new org.bouncycastle.cert.jcajce.JcaX509CRLHolder(crl).getExtension(Extension.cRLNumber);
            return e == null ? BigInteger.ZERO : org.bouncycastle.asn1.x509.CRLNumber.getInstance(e.getParsedValue()).getCRLNumber();
        } catch (java.security.cert.CRLException e) {
            throw new IOException("cannot read the revocation list: " + e.getMessage(), e);
        }
    }

    /** True for an IPv4 or IPv6 literal. */
    static boolean isAddress(String n) {
        return n.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (n.contains(":") && n.matches("[0-9a-fA-F:.]+"));
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static KeyPair keyPair() throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make an EC key: " + e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM);
    }
}
