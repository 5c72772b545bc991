package dev.steward.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * The JDK's checks of a peer's chain (CA, dates, host name), then the CA file's revocations: a
 * certificate its CA revoked is refused in the handshake, before any token is read. A refused
 * caller is logged once per certificate (a client is told by its own handshake; a server has no
 * other way to say why a caller went away), so a leaked certificate still tried is seen.
 */
final class RevokingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager jdk;
    private final Revocations revocations;

    RevokingTrustManager(X509ExtendedTrustManager jdk, Revocations revocations) {
        this.jdk = jdk;
        this.revocations = revocations;
    }

    Revocations revocations() {
        return revocations;
    }

    private void check(X509Certificate[] chain, String who) throws CertificateException {
        revocations.checkAndLog(chain, who);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        jdk.checkClientTrusted(chain, authType, socket);
        check(chain, "a caller");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        jdk.checkServerTrusted(chain, authType, socket);
        check(chain, "a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        jdk.checkClientTrusted(chain, authType, engine);
        check(chain, "a caller");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        jdk.checkServerTrusted(chain, authType, engine);
        check(chain, "a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        jdk.checkClientTrusted(chain, authType);
        check(chain, "a caller");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        jdk.checkServerTrusted(chain, authType);
        check(chain, "a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return jdk.getAcceptedIssuers();
    }
}
