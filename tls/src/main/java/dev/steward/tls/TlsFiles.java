package dev.steward.tls;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One party's TLS files, all PEM: the CA certificate(s) it trusts ({@code caCert}; null: the
 * JDK's default trust store), and its own certificate chain and key ({@code cert}, {@code key};
 * both or neither), which a server presents, and a client presents when the other side asks for
 * a client certificate (mutual TLS). Turned into an {@link SSLContext} with the JDK alone;
 * host names are checked by whoever connects (OkHttp and the JDK's HttpClient both do).
 */
public record TlsFiles(Path caCert, Path cert, Path key) {
    private static final char[] IN_MEMORY = new char[0];

    public TlsFiles {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(cert == null ? "a TLS key was given without its certificate" : "a TLS certificate was given without its key");
        }
    }

    /** Trusts {@code caCert}, presents nothing. */
    public static TlsFiles trusting(Path caCert) {
        return new TlsFiles(caCert, null, null);
    }

    public boolean hasIdentity() {
        return cert != null;
    }

    /**
     * Trusts what {@code caCert} names (or the JDK's defaults), and refuses the certificates its
     * revocation lists name ({@link Revocations}).
     */
    public X509TrustManager trustManager() throws IOException {
        if (caCert == null) {
            return trusting(null, "the JDK's trust store");
        }
        String text = Pem.text(caCert);
        return trusting(Pem.certificates(text, caCert.toString()), Pem.crls(text, caCert.toString()), caCert.toString());
    }

    /**
     * A trust manager for {@code cas} that refuses what {@code crls} revoke (each list signed by one
     * of {@code cas}, else refused); errors name {@code source}. The CA certificate pasted into the
     * Jenkins plugin's credentials may hold lists too.
     */
    public static X509TrustManager trusting(List<X509Certificate> cas, List<java.security.cert.X509CRL> crls, String source) throws IOException {
        X509TrustManager jdk = trusting(cas, source);
        Revocations r = Revocations.of(cas, crls, source);
        return crls.isEmpty() ? jdk : new RevokingTrustManager((javax.net.ssl.X509ExtendedTrustManager) jdk, r);
    }

    /** The certificates revoked by the lists of the trust manager {@code m} (none for one of the JDK's). */
    static Revocations revocations(X509TrustManager m) {
        return m instanceof RevokingTrustManager r ? r.revocations() : Revocations.none();
    }

    /** A trust manager for {@code cas} (null: the JDK's defaults); errors name {@code source}. */
    public static X509TrustManager trusting(List<X509Certificate> cas, String source) throws IOException {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (cas == null) {
                f.init((KeyStore) null);
            } else {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, IN_MEMORY);
                int i = 0;
                for (X509Certificate c : cas) {
                    ks.setCertificateEntry("ca" + i++, c);
                }
                f.init(ks);
            }
            for (TrustManager t : f.getTrustManagers()) {
                if (t instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IOException("no X.509 trust manager in this JDK");
        } catch (GeneralSecurityException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    /** The key managers presenting {@code cert} with {@code key}; null without them. */
    public KeyManager[] keyManagers() throws IOException {
        if (cert == null) {
            return null;
        }
        List<X509Certificate> chain = Pem.certificates(cert);
        PrivateKey k = Pem.privateKey(key);
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(k.getAlgorithm())) {
            throw new IOException(key + " is a " + k.getAlgorithm() + " key, but " + cert + " holds a " + chain.get(0).getPublicKey().getAlgorithm()
                    + " certificate: they are not a pair");
        }
        checkPair(k, chain.get(0), key, cert);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, IN_MEMORY);
            ks.setKeyEntry("identity", k, IN_MEMORY, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, IN_MEMORY);
            return f.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException(cert + " with " + key + ": " + e.getMessage(), e);
        }
    }

    /** Signs with the key and checks it with the certificate's public key: a key of the same kind from another certificate is refused. */
    static void checkPair(PrivateKey k, X509Certificate c, Path key, Path cert) throws IOException {
        String alg = switch (k.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return;
        }
        try {
            byte[] probe = "steward key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature sign = java.security.Signature.getInstance(alg);
            sign.initSign(k);
            sign.update(probe);
            java.security.Signature verify = java.security.Signature.getInstance(alg);
            verify.initVerify(c.getPublicKey());
            verify.update(probe);
            if (!verify.verify(sign.sign())) {
                throw new IOException(key + " is not the key of the certificate in " + cert + ": they are not a pair");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(key + " with " + cert + ": " + e.getMessage(), e);
        }
    }

    /** How often a context looks whether its files changed on disk (at a handshake, never more often). */
    public static final java.time.Duration RELOAD_EVERY = java.time.Duration.ofSeconds(10);

    /**
     * An SSL context that trusts {@link #trustManager} and presents {@link #keyManagers}, each
     * read again once its files change on disk (looked at every {@link #RELOAD_EVERY} at most, by
     * the handshakes): a renewed certificate or a new CA file is used by the next connection,
     * without a restart; files that do not load (not yet a pair) leave the last good ones in use.
     */
    public SSLContext context() throws IOException {
        return context(RELOAD_EVERY);
    }

    /** As {@link #context()}, looking at the files at most every {@code every}. */
    public SSLContext context(java.time.Duration every) throws IOException {
        return live(every).context();
    }

    /**
     * An SSL context as {@link #context(java.time.Duration)} makes, and the revocations its trust
     * manager uses now (read again with the CA file): a server checks each request against them,
     * so a certificate revoked after its connection was made (kept alive, or resumed without a
     * full handshake) is refused too.
     */
    public record Live(SSLContext context, java.util.function.Supplier<Revocations> revocations) {
    }

    /** The {@link Live} context of these files, looking at them at most every {@code every}. */
    public Live live(java.time.Duration every) throws IOException {
        KeyManager[] own = cert == null ? null : new KeyManager[] {new ReloadingKeyManager(new Reloading<>(every,
                () -> (javax.net.ssl.X509ExtendedKeyManager) keyManagers()[0], TlsFiles::describe, cert, key))};
        java.util.function.Supplier<Revocations> revocations;
        TrustManager trust;
        if (caCert == null) {
            trust = trustManager();
            revocations = Revocations::none;
        } else {
            ReloadingTrustManager reloading = new ReloadingTrustManager(new Reloading<>(every,
                    () -> (javax.net.ssl.X509ExtendedTrustManager) trustManager(), m -> "the CA(s) of " + caCert + revokedText(m), caCert));
            trust = reloading;
            revocations = () -> revocations(reloading.current());
        }
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(own, new TrustManager[] {trust}, null);
            return new Live(c, revocations);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    /** {@code , 2 certificates revoked}, for the log; empty when none is. */
    private static String revokedText(X509TrustManager m) {
        int n = revocations(m).all().size();
        return n == 0 ? "" : n == 1 ? ", 1 certificate revoked" : ", " + n + " certificates revoked";
    }

    /** The certificate a key manager presents, for the log: its subject and when it ends. */
    private static String describe(javax.net.ssl.X509ExtendedKeyManager m) {
        X509Certificate[] chain = m.getCertificateChain("identity");
        return chain == null || chain.length == 0 ? "the certificate" : "the certificate " + chain[0].getSubjectX500Principal().getName()
                + " (ends " + chain[0].getNotAfter().toInstant() + ")";
    }

    /**
     * Whether this party's own certificate is revoked by the lists of its own CA file: a party
     * told so can say why every other refuses it. Empty without both files, or when they do not
     * load (the context's own load says why).
     */
    public java.util.Optional<Revocations.Revoked> ownRevocation() {
        if (caCert == null || cert == null) {
            return java.util.Optional.empty();
        }
        try {
            return Revocations.ofFile(caCert).of(leaf());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** Tells {@code warn}, in words that say what to do, when this party's own certificate is revoked ({@link #ownRevocation}). */
    public void warnIfOwnRevoked(java.util.function.Consumer<String> warn) {
        ownRevocation().ifPresent(r -> warn.accept("the certificate " + cert + " (serial " + r.serialText() + ") was revoked at " + r.at()
                + (r.reasonText().isEmpty() ? "" : " (" + r.reasonText() + ")") + ": " + caCert + " lists it, so every party given that file "
                + "refuses it; issue a new one ('steward tls cert create') and put it in its place"));
    }

    /** The first certificate of {@code cert}, for messages (subject, expiry). */
    public X509Certificate leaf() throws IOException {
        return Pem.certificates(cert).get(0);
    }
}
